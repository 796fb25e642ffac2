using System.Text.Json;
using Orleans.Runtime;
using SinGanSeg.Core.IO;

namespace SinGanSeg.Grains.Storage;

/// <summary>
/// Reminders in one JSON file, for the embedded default: reminders are what restarts unfinished
/// image grains, so they must outlive the process. One silo uses it, so a lock is enough.
/// </summary>
public sealed class FileReminderTable(string path) : IReminderTable
{
    private sealed record Row(string GrainId, string Name, DateTime StartAt, TimeSpan Period, string ETag);

    private readonly string _path = Path.GetFullPath(path);
    private readonly Lock _lock = new();

    public Task Init() => Task.CompletedTask;

    public Task<ReminderTableData> ReadRows(GrainId grainId)
    {
        lock (_lock) return Task.FromResult(Data(Load().Where(r => r.GrainId == grainId.ToString())));
    }

    public Task<ReminderTableData> ReadRows(uint begin, uint end)
    {
        lock (_lock)
        {
            // The reminder ring range is (begin, end], wrapping around when begin >= end.
            bool InRange(uint h) => begin < end ? h > begin && h <= end : h > begin || h <= end;
            return Task.FromResult(Data(Load().Where(r => InRange(GrainId.Parse(r.GrainId).GetUniformHashCode()))));
        }
    }

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        lock (_lock)
        {
            var row = Load().FirstOrDefault(r => r.GrainId == grainId.ToString() && r.Name == reminderName);
            return Task.FromResult(row is null ? null : Entry(row));
        }
    }

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        lock (_lock)
        {
            var rows = Load();
            rows.RemoveAll(r => r.GrainId == entry.GrainId.ToString() && r.Name == entry.ReminderName);
            var etag = Guid.NewGuid().ToString("N");
            rows.Add(new Row(entry.GrainId.ToString(), entry.ReminderName, entry.StartAt, entry.Period, etag));
            Save(rows);
            return Task.FromResult<string?>(etag);
        }
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        lock (_lock)
        {
            var rows = Load();
            var removed = rows.RemoveAll(r => r.GrainId == grainId.ToString() && r.Name == reminderName && r.ETag == eTag);
            if (removed > 0) Save(rows);
            return Task.FromResult(removed > 0);
        }
    }

    public Task TestOnlyClearTable()
    {
        lock (_lock) Save([]);
        return Task.CompletedTask;
    }

    private List<Row> Load() =>
        File.Exists(_path) ? JsonSerializer.Deserialize<List<Row>>(File.ReadAllBytes(_path)) ?? [] : [];

    private void Save(List<Row> rows) => AtomicFile.WriteAllBytes(_path, JsonSerializer.SerializeToUtf8Bytes(rows));

    private static ReminderTableData Data(IEnumerable<Row> rows) => new(rows.Select(Entry).ToList());

    private static ReminderEntry Entry(Row r) => new()
    {
        GrainId = GrainId.Parse(r.GrainId),
        ReminderName = r.Name,
        StartAt = r.StartAt,
        Period = r.Period,
        ETag = r.ETag,
    };
}
