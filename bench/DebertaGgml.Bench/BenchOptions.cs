using DebertaGgml.Gguf;

namespace DebertaGgml.Bench;

/// <summary>What to measure; the defaults are the matrix of issue 7.</summary>
public sealed record BenchOptions
{
    public IReadOnlyList<string> Models { get; init; } = ["xsmall", "base"];
    public IReadOnlyList<GgmlType> Types { get; init; } = [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_K];
    public IReadOnlyList<string> Shapes { get; init; } = ["1x16", "1x128", "1x512", "8x128"];
    public int Threads { get; init; } = 2;
    /// <summary>Timed rounds per shape (each round runs every engine once); 0 picks a count from a time budget.</summary>
    public int Iterations { get; init; }
    public int WarmUp { get; init; } = 2;
    /// <summary>Seconds of timed rounds per shape when <see cref="Iterations"/> is 0.</summary>
    public double SecondsPerShape { get; init; } = 25;
    public int Seed { get; init; } = 20261127;
    /// <summary>
    /// Idle milliseconds before each timed run, so the previous engine's worker threads have stopped spinning
    /// (libgomp and ORT both busy-wait after a run) and do not steal the 2 cores from the next engine.
    /// </summary>
    public int GapMs { get; init; } = 50;
    /// <summary>Rewrite the results section of docs/BENCHMARKS.md.</summary>
    public bool UpdateDocs { get; init; }

    /// <summary>Parses <c>--models a,b --types F32,Q8_0 --shapes 1x128 --threads 2 --iterations 10 --update-docs</c>.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string key = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"option {key} needs a value");
            static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            options = key switch
            {
                "--models" => options with { Models = List(Value()) },
                "--types" => options with { Types = ParseTypes(Value()) },
                "--shapes" => options with { Shapes = List(Value()) },
                "--threads" => options with { Threads = PositiveInt(key, Value()) },
                "--iterations" => options with { Iterations = PositiveInt(key, Value()) },
                "--warmup" => options with { WarmUp = PositiveInt(key, Value()) },
                "--seconds" => options with { SecondsPerShape = PositiveInt(key, Value()) },
                "--seed" => options with { Seed = PositiveInt(key, Value()) },
                "--gap-ms" => options with { GapMs = int.TryParse(Value(), out int gap) && gap >= 0 ? gap : throw new ArgumentException("--gap-ms needs a non-negative integer") },
                "--update-docs" => options with { UpdateDocs = true },
                _ => throw new ArgumentException($"unknown option '{key}'"),
            };
        }
        return options;
    }

    /// <summary>"F32,Q8_0"; "none" measures ONNX Runtime alone.</summary>
    static List<GgmlType> ParseTypes(string text) =>
        text == "none" ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseType).ToList();

    public static GgmlType ParseType(string text) =>
        Enum.TryParse<GgmlType>(text.Replace('-', '_'), ignoreCase: true, out var type) && GgmlTypes.IsKnown(type)
            ? type
            : throw new ArgumentException($"unknown type '{text}' (e.g. F32, F16, Q8_0, Q4_K)");

    static int PositiveInt(string key, string text) =>
        int.TryParse(text, out int value) && value > 0 ? value : throw new ArgumentException($"{key}: '{text}' is not a positive integer");
}
