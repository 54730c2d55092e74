using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DebertaGgml.Tests.Convert;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Api;

/// <summary>
/// The `deberta` CLI as users call it (issue 14), run as a child process: exit codes, stdout and stderr. Each test
/// is one numbered item of the issue.
/// </summary>
public sealed class CliBehaviourTests : IDisposable
{
    readonly ConvertFixtures.TempDir _temp = new();
    public void Dispose() => _temp.Dispose();

    static string Demo => Repo.Path("models", "langid-q8_0.gguf");
    static string HfFolder => ConvertFixtures.Model("v3-Model");

    static JsonNode[] JsonLines(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A usage mistake: exit 2, nothing on stdout, one error line naming the command and a pointer to its help.</summary>
    static string AssertUsageError(CliProcess.Result run, string command)
    {
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}: {run.StdErr}");
        Assert.Equal("", run.StdOut);
        var lines = Lines(run.StdErr);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"deberta {command}: error: ", lines[0]);
        Assert.Equal($"see `deberta {command} --help`", lines[1]);
        return lines[0];
    }

    // Item 1: mistakes are errors, never input.
    [Fact]
    public void Unknown_options_and_model_paths_are_never_read_as_text()
    {
        Assert.Contains("unknown option '--topk' (did you mean --top-k?)", AssertUsageError(CliProcess.Run(["classify", "--topk", "3", "hi"]), "classify"));
        Assert.Contains("unknown option '--jsn' (did you mean --json?)", AssertUsageError(CliProcess.Run(["inspect", Demo, "--jsn"]), "inspect"));

        string modelAsText = AssertUsageError(CliProcess.Run(["classify", Demo, "hello"]), "classify");
        Assert.Contains($"pass it with -m: deberta classify -m {Demo}", modelAsText);

        // The same rule in every pipeline command, for a GGUF and for a HuggingFace checkpoint.
        string[][] commands =
        [
            ["zero-shot", "--labels", "a,b"], ["ner"], ["qa", "-c", "context"], ["fill-mask"], ["choose"], ["rerank", "-q", "query"], ["embed"],
        ];
        foreach (var command in commands)
        {
            Assert.Contains("-m", AssertUsageError(CliProcess.Run([.. command, Demo, "text", "more"]), command[0]));
            Assert.Contains($"deberta convert {HfFolder} -o v3-Model.gguf", AssertUsageError(CliProcess.Run([.. command, HfFolder, "text", "more"]), command[0]));
        }

        // After `--`, a text that starts with '-' is text.
        var dashed = CliProcess.Run(["classify", "--json", "--", "--topk"]);
        Assert.True(dashed.ExitCode == 0, dashed.StdErr);
        Assert.Equal("--topk", (string)JsonLines(dashed.StdOut).Single()["text"]!);
    }

    // Item 2: -m everywhere; a positional model in inspect, eval, tokenize and bench, the same way in each.
    [Fact]
    public void Every_command_takes_the_model_with_m_and_the_path_commands_also_positionally()
    {
        string model = ConvertedModels.Get("v3-SequenceClassification");
        var positional = CliProcess.Run(["inspect", model, "--json"]);
        var option = CliProcess.Run(["inspect", "-m", model, "--json"]);
        Assert.True(positional.ExitCode == 0 && option.ExitCode == 0, positional.StdErr + option.StdErr);
        Assert.Equal(positional.StdOut, option.StdOut);

        string texts = _temp.File("texts.jsonl");
        File.WriteAllText(texts, "{\"text\": \"The pager shows one screen.\"}\n");
        var tokenized = CliProcess.Run(["tokenize", "--model", model, "--input", texts]);
        Assert.True(tokenized.ExitCode == 0, tokenized.StdErr);
        Assert.Equal(CliProcess.Run(["tokenize", model, "--input", texts]).StdOut, tokenized.StdOut);

        string batch = _temp.File("batch.json");
        File.WriteAllText(batch, "{\"input_ids\": [[1, 18, 33, 2]], \"attention_mask\": [[1, 1, 1, 1]]}");
        var evaluated = CliProcess.Run(["eval", "-m", model, "--input", batch, "--output", _temp.File("out.json")]);
        Assert.True(evaluated.ExitCode == 0, evaluated.StdErr);
        Assert.Equal(3, JsonNode.Parse(File.ReadAllText(_temp.File("out.json")))!["logits"]![0]!.AsArray().Count);

        Assert.Equal(0, CliProcess.Run(["bench", "-m", model, "-b", "1", "-n", "8", "-i", "1", "--warmup", "0"]).ExitCode);
        Assert.Equal(0, CliProcess.Run(["bench", model, "-b", "1", "-n", "8", "-i", "1", "--warmup", "0"]).ExitCode);

        foreach (var command in new[] { "inspect", "bench", "eval", "tokenize" })
        {
            string[] extra = command is "eval" ? ["--input", batch, "--output", _temp.File("x.json")] : command is "tokenize" ? ["--input", texts] : [];
            Assert.Contains("given twice", AssertUsageError(CliProcess.Run([command, model, "-m", model, .. extra]), command));
            Assert.Contains("no model", AssertUsageError(CliProcess.Run([command, .. extra]), command));
        }
        Assert.Contains("no model: pass -m/--model", AssertUsageError(CliProcess.Run(["ner", "text"]), "ner"));

        string f32 = model;
        string byArgument = _temp.File("q-arg.gguf"), byOption = _temp.File("q-opt.gguf");
        var quantized = CliProcess.Run(["quantize", f32, byArgument, "q8_0"]);
        Assert.True(quantized.ExitCode == 0, quantized.StdErr);
        quantized = CliProcess.Run(["quantize", "-m", f32, byOption, "q8_0"]);
        Assert.True(quantized.ExitCode == 0, quantized.StdErr);
        Assert.Equal(File.ReadAllBytes(byArgument), File.ReadAllBytes(byOption));
        Assert.Contains("given twice", AssertUsageError(CliProcess.Run(["quantize", f32, "-m", f32, _temp.File("x.gguf"), "q8_0"]), "quantize"));
        Assert.Contains("expected input.gguf output.gguf TYPE", AssertUsageError(CliProcess.Run(["quantize", _temp.File("x.gguf"), "q8_0"]), "quantize"));
    }

    // Item 3: stdin as text or JSON lines, streamed, a bad line reported without ending the job.
    [Fact]
    public void Stdin_takes_text_or_json_lines_and_a_bad_line_fails_alone()
    {
        var text = CliProcess.Run(["classify"], stdin: "Wie spät ist es?\n\nWhere is the station?\n");
        Assert.True(text.ExitCode == 0, text.StdErr);
        Assert.Equal(["de", "en"], Lines(text.StdOut).Select(l => l.Split('\t')[0]));

        // A JSON-looking line is text when the format says so.
        var forced = CliProcess.Run(["classify", "--json", "--input-format", "text"], stdin: "{\"text\": \"Wie spät ist es?\"}\n");
        Assert.True(forced.ExitCode == 0, forced.StdErr);
        Assert.Equal("{\"text\": \"Wie spät ist es?\"}", (string)JsonLines(forced.StdOut).Single()["text"]!);

        var json = CliProcess.Run(["classify", "--json"], stdin: "{\"text\": \"Wie spät ist es?\"}\n{broken\n\n{\"pair\": \"no text\"}\n\"Où est la gare ?\"\n");
        Assert.Equal(1, json.ExitCode);
        var lines = JsonLines(json.StdOut);
        Assert.Equal(4, lines.Length);
        Assert.Equal("de", (string)lines[0]["scores"]![0]!["label"]!);
        Assert.Equal(2, (int)lines[1]["line"]!);
        Assert.StartsWith("not JSON", (string)lines[1]["error"]!);
        Assert.Equal(4, (int)lines[2]["line"]!);
        Assert.Contains("no string field \"text\"", (string)lines[2]["error"]!);
        Assert.Equal("fr", (string)lines[3]["scores"]![0]!["label"]!);

        // Text output: the failed input's line goes to stderr, the others are printed.
        var mixed = CliProcess.Run(["fill-mask", "-m", ConvertedModels.Get("v3-MaskedLM"), "-k", "1", "--input-format", "text"],
            stdin: "The pager shows one [MASK].\nno mask here\n");
        Assert.Equal(1, mixed.ExitCode);
        Assert.Equal("deberta fill-mask: line 2: error: the input has no [MASK] token", mixed.StdErr.Trim());
        Assert.StartsWith("The pager shows one [MASK].", mixed.StdOut);
    }

    [Fact]
    public async Task Results_reach_a_pipe_before_the_input_ends_and_ctrl_c_keeps_them()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Repo.CliDll, "classify", "--json" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.WriteLine("{\"text\": \"Wie spät ist es?\"}");
        p.StandardInput.Flush();
        string? first = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)); // stdin is still open
        Assert.Equal("de", (string)JsonNode.Parse(first!)!["scores"]![0]!["label"]!);

        // Ctrl-C (SIGINT) while it waits for more input: a clean exit 130, and what was printed stays.
        using (var kill = Process.Start("kill", ["-INT", p.Id.ToString()])) kill.WaitForExit();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(130, p.ExitCode);
        Assert.Equal("", await p.StandardOutput.ReadToEndAsync());
        Assert.Contains("deberta classify: cancelled", await stderr);
    }

    // Item 4: embed tells about truncation as the other pipelines do.
    [Fact]
    public void Embed_reports_truncation()
    {
        string model = ConvertedModels.Get("v3-Model");
        string longText = string.Join(' ', Enumerable.Repeat("the pager shows one screen of the manual page at a time", 80));
        Assert.True(ApiRefs.Model("v3-Model").Embed(longText).Truncated);
        Assert.False(ApiRefs.Model("v3-Model").Embed("short").Truncated);

        var json = CliProcess.Run(["embed", "-m", model, "--json", longText, "short"]);
        Assert.True(json.ExitCode == 0, json.StdErr);
        Assert.Equal([true, false], JsonLines(json.StdOut).Select(l => (bool)l["truncated"]!));

        var text = CliProcess.Run(["embed", "-m", model, longText]);
        Assert.True(text.ExitCode == 0, text.StdErr);
        Assert.StartsWith("deberta embed: warning: input truncated to the model's window", text.StdErr);
    }

    // Item 5: a HuggingFace checkpoint where a GGUF is expected names the convert command, which works.
    [Fact]
    public void A_huggingface_checkpoint_is_named_with_the_command_that_converts_it()
    {
        string expected = $"is a HuggingFace checkpoint, not a GGUF model file; convert it first: deberta convert {HfFolder} -o v3-Model.gguf";
        foreach (var args in new[]
                 {
                     new[] { "inspect", HfFolder }, ["bench", HfFolder], ["classify", "-m", HfFolder, "x"], ["embed", "-m", Path.Combine(HfFolder, "model.safetensors"), "x"],
                 })
        {
            var run = CliProcess.Run(args);
            Assert.Equal(1, run.ExitCode);
            Assert.Contains(expected, Assert.Single(Lines(run.StdErr)));
        }
        var load = Assert.Throws<InvalidDataException>(() => DebertaModel.Load(HfFolder));
        Assert.Contains(expected, load.Message);

        // The printed command, run as printed, makes a model that loads.
        string command = Regex.Match(load.Message, "deberta (convert .*)$").Groups[1].Value;
        var convert = CliProcess.Run(command.Split(' '), workingDirectory: _temp.Path);
        Assert.True(convert.ExitCode == 0, convert.StdErr);
        using var model = DebertaModel.Load(_temp.File("v3-Model.gguf"));
        Assert.Equal(ModelHead.None, model.Info.Head);
    }

    // Item 6: errors in CLI terms, one line (plus the help pointer for a usage mistake).
    [Fact]
    public void Errors_name_the_command_and_the_flag_never_dotnet_internals()
    {
        string[] internals = ["(Parameter", "System.", "DebertaGgml.", "OverflowBehavior", "Actual value", "AnswerQuestion", "FillMask(", "Usage:"];
        void AssertClean(CliProcess.Result run)
        {
            foreach (var word in internals) Assert.DoesNotContain(word, run.StdErr);
        }

        var notNumber = CliProcess.Run(["classify", "--top-k", "x", "hi"]);
        Assert.Contains("--top-k: 'x' is not a whole number", AssertUsageError(notNumber, "classify"));
        AssertClean(notNumber);
        var device = CliProcess.Run(["classify", "--device", "gpu", "hi"]);
        Assert.Contains("--device: 'gpu' is not one of cpu, best", AssertUsageError(device, "classify"));
        AssertClean(device);
        var negative = CliProcess.Run(["classify", "--top-k", "-1", "hi"]);
        Assert.Contains("--top-k must be 0 (all labels) or positive", AssertUsageError(negative, "classify"));
        var missing = CliProcess.Run(["zero-shot", "-m", Demo, "x"]);
        Assert.Contains("'--labels' is required", AssertUsageError(missing, "zero-shot"));

        var noMask = CliProcess.Run(["fill-mask", "-m", ConvertedModels.Get("v3-MaskedLM"), "no mask"]);
        Assert.Equal(1, noMask.ExitCode);
        Assert.Equal("deberta fill-mask: argument 1: error: the input has no [MASK] token", noMask.StdErr.Trim());

        string longText = string.Join(' ', Enumerable.Repeat("Wie spät ist es?", 400));
        var tooLong = CliProcess.Run(["classify", "--no-truncate", longText]);
        Assert.Equal(1, tooLong.ExitCode);
        Assert.Contains("leave out --no-truncate to cut it", tooLong.StdErr);
        AssertClean(tooLong);

        var wrongHead = CliProcess.Run(["qa", "-m", Demo, "-c", "context", "question?"]);
        Assert.Equal(1, wrongHead.ExitCode);
        Assert.Contains("is a SequenceClassification model", wrongHead.StdErr);
        Assert.Contains("qa needs a QuestionAnswering model", Assert.Single(Lines(wrongHead.StdErr)));
        AssertClean(wrongHead);
    }

    // Item 7: snake_case JSON in every command (inspect's metadata keys are GGUF keys and stay as they are).
    [Fact]
    public void Every_command_writes_snake_case_json()
    {
        string text = "The pager shows one screen of the manual page at a time.";
        var runs = new Dictionary<string, string[]>
        {
            ["info"] = ["info", "--json"],
            ["bench"] = ["bench", "-m", Demo, "-b", "1", "-n", "8", "-i", "1", "--json"],
            ["classify"] = ["classify", "--json", "--pair", "x", "hi"],
            ["zero-shot"] = ["zero-shot", "-m", Demo, "--labels", "a,b", "--json", text],
            ["ner"] = ["ner", "-m", ConvertedModels.Get("v3-TokenClassification"), "-a", "none", "--json", text],
            ["ner simple"] = ["ner", "-m", ConvertedModels.Get("v3-TokenClassification"), "--json", text],
            ["qa"] = ["qa", "-m", ConvertedModels.Get("v3-QuestionAnswering"), "-c", text, "--json", "What does the pager show?"],
            ["fill-mask"] = ["fill-mask", "-m", ConvertedModels.Get("v3-MaskedLM"), "--json", "The pager shows one [MASK]."],
            ["choose"] = ["choose", "-m", ConvertedModels.Get("v3-MultipleChoice"), "--json", "What shows pages?", "the pager", "tar"],
            ["rerank"] = ["rerank", "-m", Demo, "-q", "pager", "--json", "a", "b"],
            ["embed"] = ["embed", "-m", ConvertedModels.Get("v3-Model"), "--json", text],
            ["inspect"] = ["inspect", Demo, "--json"],
        };
        var names = new Dictionary<string, HashSet<string>>();
        foreach (var (name, args) in runs)
        {
            var run = CliProcess.Run(args);
            Assert.True(run.ExitCode == 0, $"{name}: {run.StdErr}");
            var found = names[name] = [];
            foreach (var line in name is "info" or "inspect" ? [JsonNode.Parse(run.StdOut)!] : JsonLines(run.StdOut)) Collect(line, found);
            foreach (var key in found) Assert.Matches("^[a-z0-9_]+$", key);
        }
        AssertHasKeys(names["info"], "library_version", "ggml_version", "cpu_variant", "self_test");
        AssertHasKeys(names["bench"], "median_ms", "tokens_per_second", "peak_rss_mb", "threads_used");
        AssertHasKeys(names["classify"], "text", "pair", "scores", "label", "score", "truncated");
        AssertHasKeys(names["ner"], "entity", "score", "word", "start", "end", "index");
        Assert.Contains("entity_group", names["ner simple"]);
        AssertHasKeys(names["qa"], "question", "answers", "answer", "score", "start", "end");
        AssertHasKeys(names["fill-mask"], "masks", "token", "token_str", "sequence");
        AssertHasKeys(names["choose"], "prompt", "choices", "best");
        AssertHasKeys(names["rerank"], "index", "document", "score", "truncated");
        AssertHasKeys(names["embed"], "embedding", "truncated");
        AssertHasKeys(names["inspect"], "file_bytes", "tensors");

        static void AssertHasKeys(HashSet<string> found, params string[] keys)
        {
            foreach (var key in keys) Assert.Contains(key, found);
        }

        static void Collect(JsonNode? node, HashSet<string> keys)
        {
            if (node is JsonArray array)
                foreach (var item in array) Collect(item, keys);
            if (node is not JsonObject obj) return;
            foreach (var (key, value) in obj)
            {
                if (key == "metadata") continue; // GGUF keys, as the file has them
                keys.Add(key);
                Collect(value, keys);
            }
        }
    }

    // Item 8: convert says the type it writes, keeps the checkpoint's float type by default, names every fallback.
    [Fact]
    public void Convert_says_what_it_writes()
    {
        var f16 = CliProcess.Run(["convert", ConvertFixtures.Model("v3-SequenceClassification-fp16")], workingDirectory: _temp.Path);
        Assert.True(f16.ExitCode == 0, f16.StdErr);
        Assert.StartsWith("type: f16 (auto: the checkpoint's float type)", f16.StdOut);
        Assert.DoesNotContain("[#", f16.StdErr); // the progress bar is for terminals only
        string written = _temp.File("v3-SequenceClassification-fp16-f16.gguf");
        Assert.Contains($"wrote {written}", f16.StdOut);
        var inspect = CliProcess.Run(["inspect", written]);
        Assert.Matches(@"blk\.0\.attn_q\.weight\s+f16\s", inspect.StdOut);

        var bf16 = CliProcess.Run(["convert", ConvertFixtures.Model("v3-TokenClassification-bf16"), "--type", "auto"], workingDirectory: _temp.Path);
        Assert.True(bf16.ExitCode == 0, bf16.StdErr);
        Assert.StartsWith("type: bf16 (auto", bf16.StdOut);
        Assert.True(File.Exists(_temp.File("v3-TokenClassification-bf16-bf16.gguf")));

        string q4k = _temp.File("q4k.gguf");
        var quantized = CliProcess.Run(["convert", ConvertFixtures.Model("v3-TokenClassification"), "--type", "q4_k", "-o", q4k]);
        Assert.True(quantized.ExitCode == 0, quantized.StdErr);
        Assert.StartsWith("type: q4_k\n", quantized.StdOut.ReplaceLineEndings("\n"));
        Assert.Contains("fallback: token_embd.weight q4_k -> q5_0: its rows of 32 are not a multiple of the q4_k block of 256", quantized.StdOut);
        var fallbacks = Lines(quantized.StdOut).Count(l => l.StartsWith("fallback: "));
        using var gguf = DebertaGgml.Gguf.GgufFile.Open(q4k);
        Assert.Equal(gguf.Tensors.Count(t => t.Type is DebertaGgml.Gguf.GgmlType.Q5_0), fallbacks);
    }

    // Item 9: the smaller traps.
    [Fact]
    public void Dash_means_stdin_and_stdout()
    {
        string model = ConvertedModels.Get("v3-SequenceClassification");
        var tokenized = CliProcess.Run(["tokenize", model, "--input", "-"], stdin: "{\"text\": \"The pager\"}\n");
        Assert.True(tokenized.ExitCode == 0, tokenized.StdErr);
        Assert.Equal(ApiRefs.Model("v3-SequenceClassification").Tokenizer.Encode("The pager").Ids,
            JsonLines(tokenized.StdOut).Single()["input_ids"]!.AsArray().Select(i => (int)i!));

        var evaluated = CliProcess.Run(["eval", model, "--input", "-", "--output", "-"], stdin: "{\"input_ids\": [[1, 18, 2]], \"attention_mask\": [[1, 1, 1]]}");
        Assert.True(evaluated.ExitCode == 0, evaluated.StdErr);
        var logits = ApiRefs.Model("v3-SequenceClassification").Evaluate(new ModelInput([1, 18, 2], [1, 1, 1], null, 1, 3)).Logits!;
        var written = JsonNode.Parse(evaluated.StdOut)!["logits"]![0]!.AsArray().Select(x => (float)x!).ToArray();
        Assert.Equal(logits.Length, written.Length);
        for (int i = 0; i < logits.Length; i++) Assert.Equal(logits[i], written[i], 1e-5f); // another process may sum in another thread order
    }

    [Fact]
    public void Qa_context_twice_zero_shot_without_entailment_and_empty_entities()
    {
        File.WriteAllText(_temp.File("context.txt"), "context");
        Assert.Contains("--context and --context-file both give the context",
            AssertUsageError(CliProcess.Run(["qa", "-m", ConvertedModels.Get("v3-QuestionAnswering"), "-c", "x", "--context-file", _temp.File("context.txt"), "q?"]), "qa"));

        // The fixture's labels are negative, neutral, positive: no entailment.
        var zeroShot = CliProcess.Run(["zero-shot", "-m", ConvertedModels.Get("v3-SequenceClassification"), "--labels", "a,b", "text"]);
        Assert.True(zeroShot.ExitCode == 0, zeroShot.StdErr);
        Assert.Contains("deberta zero-shot: warning: the model has no label starting with \"entail\" (its labels: negative, neutral, positive); the last one, 'positive'",
            zeroShot.StdErr);
        var zeroShotJson = CliProcess.Run(["zero-shot", "-m", ConvertedModels.Get("v3-SequenceClassification"), "--labels", "a,b", "--json", "text"]);
        Assert.Equal(1.0, JsonLines(zeroShotJson.StdOut).Single()["scores"]!.AsArray().Sum(s => (double)s!["score"]!), 1e-4);

        // Texts whose lone "▁" tokens the fixture labels as entities: a span of only whitespace is no entity.
        string[] texts = ["x ) y ] z } w", "1 ( 2 [ 3 { 4", "Paris ( France ) , London ( England )", "( ( ( ) ) )", "a - b - c - d"];
        var ner = CliProcess.Run(["ner", "-m", ConvertedModels.Get("v3-TokenClassification"), "-a", "none", "--json", "--input-format", "text"],
            stdin: string.Join('\n', texts));
        Assert.True(ner.ExitCode == 0, ner.StdErr);
        var lines = JsonLines(ner.StdOut);
        Assert.Equal(texts.Length, lines.Length);
        var words = lines.SelectMany(l => l["entities"]!.AsArray().Select(e => (string)e!["word"]!)).ToArray();
        Assert.NotEmpty(words);
        Assert.All(words, w => Assert.NotEqual("", w.Trim()));
    }

    // Item 10: one batch of single texts and pairs, in the API and through the CLI.
    [Fact]
    public void A_mixed_batch_of_texts_and_pairs_matches_one_at_a_time()
    {
        var model = ApiRefs.Model("v3-SequenceClassification");
        TextInput[] inputs = [new("The pager shows one screen."), new("It shows pages.", "The pager"), new("tar archives files"), new("a", "b")];
        var options = new ClassifyOptions { TopK = null };
        var batch = model.Classify(inputs, options);
        for (int i = 0; i < inputs.Length; i++)
        {
            var alone = inputs[i].Pair is { } pair ? model.Classify(inputs[i].Text, pair, options) : model.Classify(inputs[i].Text, options);
            // Padding to the batch's longest input changes the sums' order only: equal within float rounding.
            Assert.Equal(alone.Scores.Select(s => s.Label), batch[i].Scores.Select(s => s.Label));
            for (int k = 0; k < alone.Scores.Count; k++) Assert.Equal(alone.Scores[k].Score, batch[i].Scores[k].Score, 1e-5f);
        }
        Assert.Throws<ArgumentNullException>(() => model.Classify([new TextInput(null!)], options));

        string stdin = string.Join('\n', inputs.Select(i => new JsonObject { ["text"] = i.Text, ["pair"] = i.Pair }.ToJsonString()));
        var cli = CliProcess.Run(["classify", "-m", ConvertedModels.Get("v3-SequenceClassification"), "--json", "-k", "0"], stdin: stdin);
        Assert.True(cli.ExitCode == 0, cli.StdErr);
        var lines = JsonLines(cli.StdOut);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(inputs[i].Pair, (string?)lines[i]["pair"]);
            var scores = lines[i]["scores"]!.AsArray().Select(s => (float)s!["score"]!).ToArray();
            for (int k = 0; k < scores.Length; k++) Assert.Equal(batch[i].Scores[k].Score, scores[k], 1e-5f);
        }
    }
}
