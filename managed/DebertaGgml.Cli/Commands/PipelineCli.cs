using System.CommandLine;
using System.Text.Json.Nodes;

namespace DebertaGgml.Cli.Commands;

/// <summary>
/// What the pipeline commands share: model options and loading, inputs from arguments or stdin (text or JSON
/// lines), batched runs that print each result as its batch finishes, per-input errors, and text/JSON output.
/// </summary>
internal sealed class PipelineCli
{
    /// <summary>The demo model shipped in the repository (models/), the default of `classify`.</summary>
    public const string DemoModelFile = "langid-q8_0.gguf";
    /// <summary>Most inputs per library call: enough for length-bucketed batches, few enough to print results early.</summary>
    const int Chunk = 64;

    readonly string _name;
    readonly ModelHead? _head;
    readonly bool _defaultsToDemo;
    readonly Argument<string[]>? _texts;
    /// <summary>The inputs the command-line arguments make (default: one text each).</summary>
    public Func<string[], JsonNode[]> ArgumentInputs { get; init; } = args => args.Select(a => (JsonNode)JsonValue.Create(a)).ToArray();
    public Option<string?> Model { get; }
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object per input (JSON lines) instead of text" };
    public Option<InputFormat> InputFormat { get; } = new("--input-format")
    {
        Description = "stdin holds one text per line (text) or one JSON value per line (jsonl); auto: JSON lines when the first line is a JSON object or string",
        DefaultValueFactory = _ => Commands.InputFormat.Auto,
    };
    public Option<int> Threads { get; } = new("--threads", "-t") { Description = "Most CPU threads an evaluation uses; small ones use fewer (0: physical cores)", DefaultValueFactory = _ => 0 };
    public Option<int> MaxBatch { get; } = new("--max-batch") { Description = "Sequences per evaluation", DefaultValueFactory = _ => 8 };
    public Option<DebertaDevice> Device { get; } = DeviceOption.Create();
    public Option<bool> NoTruncate { get; } = new("--no-truncate") { Description = "Fail on text longer than the model's window instead of truncating it" };

    /// <param name="name">The subcommand, for messages.</param>
    /// <param name="head">The head the command needs (null: any).</param>
    /// <param name="texts">The positional inputs, whose first one must not name a model.</param>
    /// <param name="defaultsToDemo">Whether the command runs the bundled demo model when no --model is given.</param>
    public PipelineCli(string name, ModelHead? head, Argument<string[]>? texts, bool defaultsToDemo = false)
    {
        _name = name;
        _head = head;
        _texts = texts;
        _defaultsToDemo = defaultsToDemo;
        Model = new Option<string?>("--model", "-m")
        {
            Description = defaultsToDemo ? $"GGUF model file (default: the bundled {DemoModelFile} language identifier)" : "GGUF model file (required)",
        };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Model, Json, InputFormat, Threads, MaxBatch, Device, NoTruncate }) command.Options.Add(option);
    }

    /// <summary>Loads the model after checking the call: -m given, no model path among the texts, the head the command needs.</summary>
    public DebertaModel LoadModel(ParseResult parse)
    {
        if (_texts != null && parse.GetValue(_texts) is [var first, ..]) RejectModelAsText(first);
        if (parse.GetValue(Threads) < 0) throw new UsageException("--threads must be 0 (physical cores) or positive");
        if (parse.GetValue(MaxBatch) < 1) throw new UsageException("--max-batch must be at least 1");
        string path = parse.GetValue(Model) ?? (_defaultsToDemo ? FindDemoModel() : throw new UsageException("no model: pass -m/--model model.gguf"));
        var model = DebertaModel.Load(path, new DebertaModelOptions
        {
            Threads = parse.GetValue(Threads),
            MaxBatch = parse.GetValue(MaxBatch),
            Device = parse.GetValue(Device),
            MaxConcurrency = 1,
        });
        if (_head is { } head && model.Info.Head != head)
        {
            model.Dispose();
            throw new InvalidDataException($"{path} is a {model.Info.Head} model ({model.Info.Architecture}); {_name} needs a {head} model");
        }
        return model;
    }

    /// <summary>A leading argument that names a model file or checkpoint is a misplaced model, never text to process.</summary>
    void RejectModelAsText(string argument)
    {
        if (HuggingFaceCheckpoint.Recognize(argument, out string convert))
            throw new UsageException($"'{argument}' is a HuggingFace checkpoint, not text; convert it ({convert}) and pass the GGUF with -m");
        if (ModelPaths.IsGguf(argument))
            throw new UsageException($"'{argument}' is a model file, not text; pass it with -m: deberta {_name} -m {argument} ...");
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
        throw new FileNotFoundException($"the bundled model models/{DemoModelFile} was not found near {AppContext.BaseDirectory}; pass -m/--model");
    }

    /// <summary>
    /// Runs every input through <paramref name="run"/> in batches, as they arrive, and prints each result when its batch
    /// is done. An input that cannot be read or that the model rejects is reported (a JSON error line with --json,
    /// else a line on stderr) and the rest go on; the exit code is 1 when any failed. Ctrl-C stops after what is printed.
    /// </summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="model">The loaded model.</param>
    /// <param name="read">Turns an input into the command's item; an <see cref="ArgumentException"/> fails that input only.</param>
    /// <param name="run">Runs the pipeline on one batch of items.</param>
    /// <param name="print">Prints one item's result.</param>
    public int Run<TIn, TOut>(ParseResult parse, DebertaModel model, Func<PipelineInput, TIn> read,
                              Func<IReadOnlyList<TIn>, CancellationToken, IReadOnlyList<TOut>> run, Action<TIn, TOut> print)
    {
        using var cancel = CancelOnCtrlC();
        bool json = parse.GetValue(Json);
        int failed = 0, done = 0;
        var progress = Console.IsOutputRedirected && !Console.IsErrorRedirected ? new Progress() : null;
        foreach (var batch in Batches(parse, cancel.Token))
        {
            var items = new TIn[batch.Count];
            var results = new TOut[batch.Count];
            var errors = batch.Select(i => i.Error).ToArray();
            for (int i = 0; i < batch.Count; i++)
                if (errors[i] == null) errors[i] = Catch(() => items[i] = read(batch[i]));
            var ok = Enumerable.Range(0, batch.Count).Where(i => errors[i] == null).ToArray();
            if (ok.Length > 0 && Catch(() => Store(ok, run(ok.Select(i => items[i]).ToArray(), cancel.Token))) != null)
                foreach (int i in ok) errors[i] = Catch(() => Store([i], run([items[i]], cancel.Token))); // find the inputs at fault
            for (int i = 0; i < batch.Count; i++)
            {
                if (errors[i] is { } error)
                {
                    failed++;
                    if (json) CliJson.WriteLine(batch[i].ErrorLine(error), CliJson.Lines.ErrorLine);
                    else Console.Error.WriteLine($"deberta {_name}: {batch[i].Where}: error: {error}");
                }
                else print(items[i], results[i]);
            }
            progress?.Report(done += batch.Count);
            void Store(int[] at, IReadOnlyList<TOut> outputs)
            {
                for (int k = 0; k < at.Length; k++) results[at[k]] = outputs[k];
            }
        }
        progress?.Done();
        return failed > 0 ? CliRunner.Failed : 0;
    }

    /// <summary>All inputs at once (for a command that relates them, like rerank); unreadable ones are reported as by Run.</summary>
    /// <returns>The items read, the 0-based place of each among all inputs (failed ones included), and how many failed.</returns>
    public (List<TIn> Items, List<int> Places, int Failed) ReadAll<TIn>(ParseResult parse, Func<PipelineInput, TIn> read)
    {
        bool json = parse.GetValue(Json);
        var items = new List<TIn>();
        var places = new List<int>();
        int failed = 0, place = -1;
        foreach (var input in Batches(parse, default).SelectMany(b => b))
        {
            place++;
            TIn item = default!;
            if ((input.Error ?? Catch(() => item = read(input))) is { } error)
            {
                failed++;
                if (json) CliJson.WriteLine(input.ErrorLine(error), CliJson.Lines.ErrorLine);
                else Console.Error.WriteLine($"deberta {_name}: {input.Where}: error: {error}");
                continue;
            }
            items.Add(item);
            places.Add(place);
        }
        return (items, places, failed);
    }

    IEnumerable<IReadOnlyList<PipelineInput>> Batches(ParseResult parse, CancellationToken cancel) =>
        PipelineInputReader.Batches(_texts != null && parse.GetValue(_texts) is { Length: > 0 } args ? ArgumentInputs(args) : null,
                                    parse.GetValue(InputFormat), Chunk, cancel);

    /// <summary>The message of an input's own failure, or null. Failures of a shared option, or not about the input, propagate.</summary>
    static string? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (ArgumentException e) when (!CliRunner.IsAboutAnOption(e))
        {
            return CliRunner.Translate(e);
        }
    }

    static CancellationTokenSource CancelOnCtrlC()
    {
        var source = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // end through the normal path: what is printed stays printed
            source.Cancel();
        };
        return source;
    }

    /// <summary>A string field of a JSON-line input (a bare string, or a text line, counts as the field <paramref name="primary"/>).</summary>
    public static string Field(JsonNode? input, string name, string primary = "text")
    {
        if (input is JsonValue value && name == primary && value.TryGetValue(out string? bare)) return bare;
        return input is JsonObject obj && obj[name] is JsonValue v && v.TryGetValue(out string? text)
            ? text
            : throw new ArgumentException($"input {Shorten(input?.ToJsonString() ?? "null")} has no string field \"{name}\"");
    }

    public static string? OptionalField(JsonNode? input, string name) =>
        input is JsonObject obj && obj[name] is JsonValue v && v.TryGetValue(out string? text) ? text : null;

    public static string Shorten(string text, int max = 80) =>
        (text.Length <= max ? text : text[..(max - 1)] + "…").ReplaceLineEndings(" ");

    public void WarnIfTruncated(bool truncated, string text)
    {
        if (truncated) Console.Error.WriteLine($"deberta {_name}: warning: input truncated to the model's window: {Shorten(text)}");
    }

    public void Warn(string message) => Console.Error.WriteLine($"deberta {_name}: warning: {message}");

    /// <summary>Inputs done and the rate, on stderr redrawn in place (only when stderr is a terminal and stdout is not).</summary>
    sealed class Progress
    {
        readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        bool _shown;

        public void Report(int done)
        {
            if (done <= Chunk && !_shown) return;
            _shown = true;
            Console.Error.Write($"\r{done} inputs ({done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9):F0}/s)");
        }

        public void Done()
        {
            if (_shown) Console.Error.WriteLine();
        }
    }
}

/// <summary>What a model path names.</summary>
internal static class ModelPaths
{
    /// <summary>An existing file that starts with the GGUF magic (or is named .gguf).</summary>
    public static bool IsGguf(string path)
    {
        if (!File.Exists(path)) return false;
        if (path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)) return true;
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[4];
            return file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic.SequenceEqual("GGUF"u8);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// The model of a command that takes it positionally or with -m (not both). A HuggingFace checkpoint is
    /// refused with the convert command when <paramref name="ggufOnly"/>.
    /// </summary>
    public static string Resolve(string? positional, string? option, bool ggufOnly = true)
    {
        if (positional != null && option != null)
            throw new UsageException($"the model is given twice ('{positional}' and -m '{option}'); pass it once");
        string path = positional ?? option ?? throw new UsageException("no model: pass model.gguf (or -m/--model model.gguf)");
        if (ggufOnly && HuggingFaceCheckpoint.Recognize(path, out string convert))
            throw new InvalidDataException(HuggingFaceCheckpoint.Explain(path, convert));
        return path;
    }
}
