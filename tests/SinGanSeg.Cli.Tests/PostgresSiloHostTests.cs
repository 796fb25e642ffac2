using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The silo host as a hospital runs it on premises: two singanseg-silo processes configured
/// for PostgreSQL and one shared artifact folder, started at the same moment, both applying
/// the schema to an empty database (the throwaway server of <see cref="PostgresServer"/>).
/// </summary>
public class PostgresSiloHostTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private const string Key = "onprem-test-key-0123456789abcdef";

    [Fact]
    public async Task Two_hosts_started_together_create_the_schema_and_form_one_cluster()
    {
        var connection = await postgres.CreateDatabaseAsync("hosts");
        var shared = TestData.NewTempDir("onprem-artifacts");
        var hosts = Enumerable.Range(0, 2).Select(i => new Host(connection, shared, $"onprem-{i}")).ToList();
        try
        {
            foreach (var h in hosts) h.Start();
            await Task.WhenAll(hosts.Select(h => h.WaitReadyAsync()));

            // One cluster in the PostgreSQL membership table: both silos Active (Orleans' status 3).
            await using (var db = new NpgsqlConnection(connection))
            {
                await db.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT siloname, status FROM orleansmembershiptable ORDER BY siloname", db);
                var rows = new List<(string, int)>();
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt32(1)));
                Assert.Equal([("onprem-0", 3), ("onprem-1", 3)], rows);
            }

            // A job submitted through one host is stored (PostgreSQL grain state, shared-folder
            // artifacts) and visible through the other.
            using var a = hosts[0].Client();
            using var b = hosts[1].Client();
            var pair = TestData.ReferencePair;
            var submit = await a.PostAsJsonAsync("/api/jobs", new
            {
                jobId = "onprem",
                images = new[] { new { name = pair, image = TestData.PolypImage(pair), mask = TestData.PolypMask(pair) } },
                preset = "tiny",
                iterations = 1,
                samplesPerImage = 1,
            });
            Assert.True(submit.IsSuccessStatusCode, await submit.Content.ReadAsStringAsync());
            var status = await b.GetFromJsonAsync<JsonElement>("/api/jobs/onprem");
            Assert.Equal("onprem", status.GetProperty("jobId").GetString());
            Assert.True(File.Exists(Path.Combine(shared, "jobs", "onprem", "spec.json")), "the job's spec is not in the shared folder");
            var cancel = await b.PostAsync("/api/jobs/onprem/cancel", null);
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var h in hosts) h.Dispose();
        }
    }

    private sealed class Host(string connection, string shared, string name) : IDisposable
    {
        private Process? _process;
        private readonly System.Text.StringBuilder _log = new();
        private readonly int _port = SiloProcess.FreePort();
        private readonly string _state = TestData.NewTempDir(name);

        public void Start()
        {
            _process = Process.Start(SiloProcess.StartInfo([
                "--urls", $"http://127.0.0.1:{_port}",
                $"--Silo:SiloPort={SiloProcess.FreePort()}", $"--Silo:GatewayPort={SiloProcess.FreePort()}",
                "--Silo:AdvertisedAddress=127.0.0.1", $"--Silo:SiloName={name}",
                "--Silo:ClusterId=onprem", "--Silo:ServiceId=onprem",
                "--SinGanSeg:Storage=Postgres", $"--SinGanSeg:Postgres:ConnectionString={connection}",
                "--SinGanSeg:Postgres:ApplySchema=true", $"--SinGanSeg:ArtifactDirectory={shared}",
                $"--SinGanSeg:ScratchDirectory={Path.Combine(_state, "scratch")}",
                "--SinGanSeg:Device=cpu", "--SinGanSeg:AcceptImageGrains=true", $"--Auth:ApiKeys={Key}",
                // Cluster hosts read server-side paths only under their input roots (the shared input folder).
                $"--SinGanSeg:InputRoots:0={TestData.Polyps}",
            ]))!;
            _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public HttpClient Client()
        {
            var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}") };
            http.DefaultRequestHeaders.Add("X-Api-Key", Key);
            return http;
        }

        public async Task WaitReadyAsync()
        {
            using var http = Client();
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (true)
            {
                if (_process!.HasExited) throw new InvalidOperationException($"{name} exited with {_process.ExitCode}:\n{Log}");
                try
                {
                    if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode) return;
                }
                catch (HttpRequestException)
                {
                }
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{name} was not ready within 5 minutes:\n{Log}");
                await Task.Delay(250);
            }
        }

        private string Log { get { lock (_log) return _log.ToString(); } }

        public void Dispose()
        {
            if (_process is { HasExited: false }) _process.Kill(entireProcessTree: true);
            _process?.Dispose();
        }
    }
}
