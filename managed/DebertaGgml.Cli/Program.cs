using System.CommandLine;
using DebertaGgml.Cli.Commands;

var root = new RootCommand("DeBERTa-v2/v3 inference on ggml: convert, inspect, tokenize, evaluate and run task pipelines");
// One line per command; each command lives in Commands/.
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(ConvertCommand.Create());
root.Subcommands.Add(QuantizeCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
return root.Parse(args).Invoke();
