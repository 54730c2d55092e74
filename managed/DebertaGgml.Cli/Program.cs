using System.CommandLine;
using DebertaGgml.Cli;
using DebertaGgml.Cli.Commands;
using DebertaGgml.Native;

var root = new RootCommand("DeBERTa-v2/v3 inference on ggml: convert, inspect, tokenize, evaluate and run task pipelines");
// One line per command; each command lives in Commands/.
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(ClassifyCommand.Create());
root.Subcommands.Add(ZeroShotCommand.Create());
root.Subcommands.Add(NerCommand.Create());
root.Subcommands.Add(QaCommand.Create());
root.Subcommands.Add(FillMaskCommand.Create());
root.Subcommands.Add(ChooseCommand.Create());
root.Subcommands.Add(RerankCommand.Create());
root.Subcommands.Add(EmbedCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
var verbose = new Option<bool>("--verbose") { Description = "Log what the native library does (CPU variant, ggml) to stderr", Recursive = true };
root.Options.Add(verbose);
var parsed = root.Parse(args);
if (args.Length > 0 && CliUsage.FirstMistake(parsed) is { } mistake)
{
    CliRunner.PrintUsageError(CliUsage.CommandName(parsed), mistake);
    return CliRunner.Usage;
}
if (parsed.GetValue(verbose)) NativeLog.Handler = (level, message) => Console.Error.WriteLine($"deberta: {level.ToString().ToLowerInvariant()}: {message}");
return parsed.Invoke();
