using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace DebertaGgml.Cli.Commands;

/// <summary>
/// What the pipeline commands share: model options and loading, inputs from arguments or JSON lines on stdin,
/// chunked batch runs with a progress bar, and text/JSON output.
/// </summary>
internal sealed class PipelineCli
{
    /// <summary>The demo model shipped in the repository (models/), the default of `classify`.</summary>
    public const string DemoModelFile = "langid-q8_0.gguf";
    /// <summary>Inputs per library call: large enough for length-bucketed batches, small enough for a live progress bar.</summary>
    const int Chunk = 64;

    static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    readonly bool _defaultsToDemo;
    public Option<string?> Model { get; }
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object per input (JSON lines) instead of text" };
    public Option<int> Threads { get; } = new("--threads", "-t") { Description = "Most CPU threads an evaluation uses; small ones use fewer (0: physical cores)", DefaultValueFactory = _ => 0 };
    public Option<int> MaxBatch { get; } = new("--max-batch") { Description = "Sequences per evaluation", DefaultValueFactory = _ => 8 };
    public Option<DebertaDevice> Device { get; } = DeviceOption.Create();
    public Option<bool> NoTruncate { get; } = new("--no-truncate") { Description = "Fail on text longer than the model's window instead of truncating it" };

    public PipelineCli(bool defaultsToDemo = false)
    {
        _defaultsToDemo = defaultsToDemo;
        Model = new Option<string?>("--model", "-m")
        {
            Description = defaultsToDemo ? $"GGUF model file (default: the bundled {DemoModelFile} language identifier)" : "GGUF model file",
            Required = !defaultsToDemo,
        };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Json, Threads, MaxBatch, Device, NoTruncate }) command.Options.Add(option);
    }

    public DebertaModel LoadModel(ParseResult parse)
    {
        string path = parse.GetValue(Model) ?? (_defaultsToDemo ? FindDemoModel() : throw new ArgumentException("--model is required"));
        return DebertaModel.Load(path, new DebertaModelOptions
        {
            Threads = parse.GetValue(Threads),
            MaxBatch = parse.GetValue(MaxBatch),
            Device = parse.GetValue(Device),
            MaxConcurrency = 1,
        });
    }

    public OverflowBehavior Overflow(ParseResult parse) => parse.GetValue(NoTruncate) ? OverflowBehavior.Throw : OverflowBehavior.Truncate;

    /// <summary>The bundled model: next to the executable (copied at build), else in the checkout's models/ folder.</summary>
    static string FindDemoModel()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", DemoModelFile);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"the bundled model models/{DemoModelFile} was not found near {AppContext.BaseDirectory}; pass --model");
    }

    /// <summary>
    /// Inputs: the command-line texts, or (when none are given and stdin is redirected) one JSON value per
    /// stdin line: a string, or an object whose fields the command names (e.g. {"text": ..., "pair": ...}).
    /// </summary>
    public static IReadOnlyList<JsonNode> ReadInputs(string[]? arguments)
    {
        if (arguments is { Length: > 0 }) return arguments.Select(a => (JsonNode)JsonValue.Create(a)).ToArray();
        if (!Console.IsInputRedirected) throw new ArgumentException("no input: pass texts as arguments or JSON lines on stdin");
        var inputs = new List<JsonNode>();
        int lineNumber = 0;
        for (string? line; (line = Console.In.ReadLine()) != null;)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                inputs.Add(JsonNode.Parse(line) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"stdin line {lineNumber} is not JSON: {e.Message}");
            }
        }
        return inputs;
    }

    /// <summary>A string field of a JSON-line input (a bare string counts as the field <paramref name="primary"/>).</summary>
    public static string Field(JsonNode input, string name, string primary = "text")
    {
        if (input is JsonValue value && name == primary && value.TryGetValue(out string? bare)) return bare;
        return input is JsonObject obj && obj[name] is JsonValue v && v.TryGetValue(out string? text)
            ? text
            : throw new ArgumentException($"input {Shorten(input.ToJsonString())} has no string field \"{name}\"");
    }

    public static string? OptionalField(JsonNode input, string name) =>
        input is JsonObject obj && obj[name] is JsonValue v && v.TryGetValue(out string? text) ? text : null;

    /// <summary>Runs the inputs in chunks through <paramref name="run"/>, printing each result as its chunk finishes.</summary>
    public static void RunInChunks<TIn, TOut>(IReadOnlyList<TIn> inputs, Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> run, Action<TIn, TOut> print)
    {
        var progress = inputs.Count > Chunk && !Console.IsErrorRedirected ? new Progress(inputs.Count) : null;
        for (int start = 0; start < inputs.Count; start += Chunk)
        {
            var chunk = inputs.Skip(start).Take(Chunk).ToArray();
            var results = run(chunk);
            for (int i = 0; i < chunk.Length; i++) print(chunk[i], results[i]);
            progress?.Report(start + chunk.Length);
        }
    }

    public static void WriteJson(object value) => Console.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public static string Shorten(string text, int max = 80) =>
        (text.Length <= max ? text : text[..(max - 1)] + "…").ReplaceLineEndings(" ");

    public static void WarnIfTruncated(bool truncated, string text)
    {
        if (truncated) Console.Error.WriteLine($"deberta: warning: input truncated to the model's window: {Shorten(text)}");
    }

    /// <summary>A progress bar on stderr, redrawn in place.</summary>
    sealed class Progress(int total)
    {
        const int Width = 30;
        readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        public void Report(int done)
        {
            int filled = done * Width / total;
            double rate = done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
            Console.Error.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} ({rate:F0}/s)");
            if (done == total) Console.Error.WriteLine();
        }
    }
}
