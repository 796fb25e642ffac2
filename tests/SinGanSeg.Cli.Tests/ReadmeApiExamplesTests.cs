using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// The README's REST walk-through (curl + jq) and its Python example, run verbatim against a real
/// `singanseg serve`: if the API or the README drifts, this fails.
/// </summary>
public class ReadmeApiExamplesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_readme_curl_and_python_examples_run_against_a_real_silo_host()
    {
        var readme = File.ReadAllText(Path.Combine(TestData.RepoRoot, "README.md"));
        var section = readme[readme.IndexOf("### REST API from the shell", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];
        var bash = Block(section, "bash");
        var python = Block(section, "python");

        var state = TestData.NewTempDir("readme-state");
        using var serve = CliProcess.Start(["serve", "--port", "0", "--state", state, "--device", "cpu", "--json"]);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (serve.Stdout.Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.True(serve.Stdout.Length > 0, $"serve printed nothing:\n{serve.Stderr}");
        var api = JsonDocument.Parse(serve.Stdout.Split('\n')[0]).RootElement.GetProperty("url").GetString()!;

        // Two pairs, named as users name them.
        var data = TestData.NewTempDir("readme-data");
        Directory.CreateDirectory(Path.Combine(data, "images"));
        Directory.CreateDirectory(Path.Combine(data, "masks"));
        var names = Directory.GetFiles(Path.Combine(TestData.Polyps, "images")).Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal).Skip(120).Take(2);
        foreach (var name in names.OfType<string>())
        {
            File.Copy(TestData.PolypImage(name), Path.Combine(data, "images", name + ".jpg"));
            File.Copy(TestData.PolypMask(name), Path.Combine(data, "masks", name + ".jpg"));
        }
        var work = TestData.NewTempDir("readme-work");

        var shell = Run("bash", ["-euo", "pipefail", "-c", bash], api, data, work);
        Assert.Contains("submitted shell-paths: 2 images", shell);
        Assert.Contains("uploaded shell-upload: 2 images", shell);
        Assert.Contains("shell-upload: Completed, 2 of 2 images done", shell);
        Assert.Matches(new Regex(@"^queued", RegexOptions.Multiline), shell);
        Assert.Matches(new Regex(@"^done 2 samples", RegexOptions.Multiline), shell);
        Assert.Matches(new Regex(@"\b12 files\b"), shell); // 4 images, 4 masks, the manifest, the dataset card (md, json, png)
        Assert.True(File.Exists(Path.Combine(work, "shell-upload.zip")));

        var py = Run("python3", ["-c", python], api, data, work);
        Assert.Contains("python: Completed, 2 of 2 images done", py);
        Assert.True(new FileInfo(Path.Combine(work, "python.zip")).Length > 0);

        serve.Signal(15);
        Assert.Equal(0, serve.WaitForExit(TimeSpan.FromMinutes(1)));
    }

    private static string Block(string markdown, string language)
    {
        var start = markdown.IndexOf($"```{language}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no {language} block in the README's REST section");
        start += language.Length + 4;
        return markdown[start..markdown.IndexOf("```", start, StringComparison.Ordinal)];
    }

    private string Run(string program, string[] args, string api, string data, string workDir)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["SINGANSEG_API"] = api;
        start.Environment["DATA"] = data;
        start.Environment.Remove("SINGANSEG_API_KEY");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // A ceiling for a loaded machine; the tiny jobs take seconds on an idle one.
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), $"{program} did not finish in 10 minutes");
        output.WriteLine($"$ {program}\n{stdout.Result}\n{stderr.Result}");
        Assert.True(process.ExitCode == 0, $"{program} exited {process.ExitCode}\n{stdout.Result}\n{stderr.Result}");
        return stdout.Result;
    }
}
