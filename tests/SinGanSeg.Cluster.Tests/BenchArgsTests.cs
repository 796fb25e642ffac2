using SinGanSeg.Bench;

namespace SinGanSeg.Core.Tests;

public class BenchArgsTests
{
    [Fact]
    public void Names_take_the_next_word_switches_take_none_and_an_equals_sign_carries_a_value_that_starts_with_dashes()
    {
        var args = Args.Parse(["compare", "--a", "x.json", "--long", "--label-b", "--sets=today", "--label-a=--dry", "--iterations", "5"]);
        Assert.Equal("compare", args.Command);
        Assert.Equal("x.json", args.Get("a"));
        Assert.Equal("true", args.Get("long"));
        // Without '=', a value starting with "--" is read as the next name: --label-b became a switch.
        Assert.Equal("true", args.Get("label-b"));
        Assert.Equal("today", args.Get("sets"));
        Assert.Equal("--dry", args.Get("label-a"));
        Assert.Equal(5, args.Int("iterations", 0));
        Assert.Equal(7, args.Int("missing", 7));
    }

    [Fact]
    public void A_bare_word_where_a_name_belongs_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => Args.Parse(["engine", "--iterations", "5", "stray"]));
        Assert.Contains("'stray'", e.Message);
    }
}
