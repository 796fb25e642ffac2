using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using SinGanSeg.Core.Interop;

namespace SinGanSeg.Core.Tests;

/// <summary>
/// Issue 12, finding 6: the .pth reader on damaged and hostile files. Real fixture files mutated
/// with a fixed seed (the pickle program, a storage, the zip bytes), plus hand-built files for each
/// trust the reader used to place in declared sizes; every one loads or is refused with an error
/// naming the file, in bounded time and memory, and none takes the process down.
/// </summary>
public class TorchArchiveFuzzTests
{
    private static readonly string[] Seeds =
    [
        "trained_model/NoiseAmp.pth", "sifid_frechet_cases.pth", "generation_trace_gen_start_scale_0.pth", "trained_model/Gs.pth",
    ];

    private static readonly TorchArchiveLimits Limits = TorchArchiveLimits.Default with
    {
        MaxStorageBytes = 64L << 20, MaxTotalBytes = 128L << 20, MaxTensorElements = 1L << 24,
    };

    [Fact]
    public void Finding6_PthReaderSurvivesMutatedRealFilesWithinBounds()
    {
        var dir = TestData.NewTempDir("pth-fuzz");
        var random = new Random(20261202);
        var originals = Seeds.Select(s => File.ReadAllBytes(TestData.ReferenceFile(s))).ToArray();
        using var process = Process.GetCurrentProcess();
        var baseline = process.WorkingSet64;
        var clock = Stopwatch.StartNew();
        var (loaded, refused, runs) = (0, 0, 0);
        while (runs < 400 && clock.Elapsed < TimeSpan.FromSeconds(25))
        {
            var path = Path.Combine(dir, $"mutant-{runs}.pth");
            File.WriteAllBytes(path, Mutate(originals[runs % originals.Length], random));
            if (Loads(path)) loaded++;
            else refused++;
            File.Delete(path);
            runs++;
            process.Refresh();
            Assert.True(process.WorkingSet64 - baseline < 1L << 30, $"run {runs}: working set grew by {(process.WorkingSet64 - baseline) >> 20} MB");
        }
        Assert.True(runs >= 50, $"only {runs} mutants in the time budget");
        Assert.True(refused > runs / 5, $"{refused} of {runs} mutants refused: the mutations do not reach the reader");
        Assert.True(loaded > 0, "no mutant loaded: the harness itself is broken");
    }

    [Fact]
    public void Finding6_PthReaderRefusesDeclaredSizesItCannotTrust()
    {
        var dir = TestData.NewTempDir("pth-hostile");
        var cases = new (string Name, byte[] Pickle, byte[] Storage, string Expected)[]
        {
            ("self-append", Pickle(w => w.Append("]2a")), [], "contains itself"),
            ("deep", Pickle(w => { for (var i = 0; i < 100_000; i++) w.Append("]"); for (var i = 1; i < 100_000; i++) w.Append("a"); }), [], "nests deeper"),
            ("zero-stride", Pickle(w => w.Tensor(numel: 4, size: [1 << 20, 1 << 20], stride: [0, 0])), new byte[16], "stride 0"),
            ("past-storage", Pickle(w => w.Tensor(numel: 4, size: [4], stride: [1], offset: 3)), new byte[16], "reaches element"),
            ("huge-storage", Pickle(w => w.Tensor(numel: 1L << 40, size: [1], stride: [1])), new byte[16], "declares"),
            ("short-storage", Pickle(w => w.Tensor(numel: 8, size: [8], stride: [1])), new byte[16], "holds 16 bytes, expected 32"),
        };
        foreach (var (name, pickle, storage, expected) in cases)
        {
            var path = Path.Combine(dir, name + ".pth");
            WriteArchive(path, pickle, storage);
            var e = Assert.Throws<PickleFormatException>(() => TorchArchive.Load(path, Limits));
            Assert.StartsWith(path, e.Message);
            Assert.Contains(expected, e.Message);
        }
        // The control: the same builder's well-formed tensor loads.
        var good = Path.Combine(dir, "good.pth");
        WriteArchive(good, Pickle(w => w.Tensor(numel: 4, size: [2, 2], stride: [2, 1])), new byte[16]);
        using var tensor = (TorchSharp.torch.Tensor)TorchArchive.Load(good, Limits)!;
        Assert.Equal([2L, 2L], tensor.shape);
    }

    private static bool Loads(string path)
    {
        try
        {
            TorchArchive.DisposeTensors(TorchArchive.Load(path, Limits));
            return true;
        }
        catch (PickleFormatException e)
        {
            Assert.StartsWith(path, e.Message);
            return false;
        }
    }

    /// <summary>One mutation: bytes of the pickle program, a storage's length, or the raw file.</summary>
    private static byte[] Mutate(byte[] original, Random random)
    {
        var kind = random.Next(4);
        if (kind == 3)
        {
            var raw = (byte[])original.Clone();
            for (var i = random.Next(1, 8); i > 0; i--) raw[random.Next(raw.Length)] = (byte)random.Next(256);
            return raw;
        }
        using var source = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read);
        var entries = source.Entries.Select(e => (e.FullName, Bytes: Read(e))).ToList();
        var pkl = entries.FindIndex(e => e.FullName.EndsWith("data.pkl", StringComparison.Ordinal));
        var storages = entries.Select((e, i) => (e, i)).Where(x => x.e.FullName.Contains("/data/", StringComparison.Ordinal)).Select(x => x.i).ToList();
        if (kind == 2 && storages.Count > 0)
        {
            var s = storages[random.Next(storages.Count)];
            var bytes = entries[s].Bytes;
            entries[s] = (entries[s].FullName, random.Next(2) == 0 ? bytes[..random.Next(bytes.Length + 1)] : [.. bytes, .. new byte[random.Next(1, 64)]]);
        }
        else
        {
            var program = entries[pkl].Bytes.ToList();
            for (var i = random.Next(1, 6); i > 0 && program.Count > 2; i--)
            {
                var at = random.Next(2, program.Count);
                switch (random.Next(4))
                {
                    case 0: program[at] = (byte)random.Next(256); break;
                    case 1: program[at] ^= (byte)(1 << random.Next(8)); break;
                    case 2: program.RemoveAt(at); break;
                    default: program.Insert(at, "]2a(tQRbe"u8[random.Next(9)]); break;
                }
            }
            entries[pkl] = (entries[pkl].FullName, program.ToArray());
        }
        using var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, bytes) in entries)
                using (var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open()) entry.Write(bytes);
        return output.ToArray();
    }

    private static byte[] Read(ZipArchiveEntry entry)
    {
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static void WriteArchive(string path, byte[] pickle, byte[] storage)
    {
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        using (var e = zip.CreateEntry("archive/data.pkl").Open()) e.Write(pickle);
        using (var e = zip.CreateEntry("archive/data/0").Open()) e.Write(storage);
    }

    private static byte[] Pickle(Action<PickleWriter> body)
    {
        var w = new PickleWriter();
        w.Raw(0x80, 2);
        body(w);
        w.Append(".");
        return w.Bytes;
    }

    /// <summary>Pickle opcodes as torch.save writes them, enough for one float tensor.</summary>
    private sealed class PickleWriter
    {
        private readonly List<byte> _bytes = [];

        public byte[] Bytes => [.. _bytes];

        public void Raw(params byte[] bytes) => _bytes.AddRange(bytes);

        public void Append(string opcodes) => _bytes.AddRange(Encoding.ASCII.GetBytes(opcodes));

        public void Global(string module, string name) => Append($"c{module}\n{name}\n");

        public void Str(string s)
        {
            Append("X");
            var len = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(len, Encoding.UTF8.GetByteCount(s));
            Raw(len);
            Raw(Encoding.UTF8.GetBytes(s));
        }

        public void Long(long value)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
            Raw(0x8a, 8);
            Raw(bytes);
        }

        public void Tuple(IEnumerable<long> values)
        {
            Append("(");
            foreach (var v in values) Long(v);
            Append("t");
        }

        public void Tensor(long numel, long[] size, long[] stride, long offset = 0)
        {
            Global("torch._utils", "_rebuild_tensor_v2");
            Append("(");
            Append("(");
            Str("storage");
            Global("torch", "FloatStorage");
            Str("0");
            Str("cpu");
            Long(numel);
            Append("tQ");
            Long(offset);
            Tuple(size);
            Tuple(stride);
            Raw(0x89);
            Global("collections", "OrderedDict");
            Append(")R");
            Append("tR");
        }
    }
}
