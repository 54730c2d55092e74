using System.Text.RegularExpressions;

namespace DebertaGgml.Cli;

/// <summary>A mistake in how the command was called (exit 2, with a pointer to the command's help).</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Runs a command body: a failure becomes one line on stderr, in the command's terms, and a non-zero exit code
/// (2 for a usage mistake, 1 for anything else, 130 when cancelled).
/// </summary>
internal static partial class CliRunner
{
    public const int Failed = 1, Usage = 2, Cancelled = 130;

    public static int Run(string command, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"deberta {command}: cancelled");
            return Cancelled;
        }
        catch (UsageException e)
        {
            PrintUsageError(command, e.Message);
            return Usage;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"deberta {command}: error: {Translate(e)}");
            return Failed;
        }
    }

    /// <summary>The usage mistake, then where to read how the command is called.</summary>
    public static void PrintUsageError(string command, string message)
    {
        string name = command.Length == 0 ? "deberta" : $"deberta {command}";
        Console.Error.WriteLine($"{name}: error: {OneLine(message)}");
        Console.Error.WriteLine($"see `{name} --help`");
    }

    /// <summary>Library option names, as the CLI flags that set them.</summary>
    static readonly Dictionary<string, string> Flags = new()
    {
        ["TopK"] = "--top-k", ["Stride"] = "--stride", ["DocStride"] = "--doc-stride", ["MaxAnswerLength"] = "--max-answer-length",
        ["HypothesisTemplate"] = "--template", ["candidateLabels"] = "--labels", ["Threads"] = "--threads", ["MaxBatch"] = "--max-batch",
        ["MaxSequenceLength"] = "the model's window",
    };

    /// <summary>True when the exception is about an option every input shares, not about one input.</summary>
    public static bool IsAboutAnOption(Exception e) => e is ArgumentException { ParamName: { } name } && Flags.ContainsKey(name);

    /// <summary>An exception's message in CLI terms: .NET parameter suffixes, API names and list indices removed.</summary>
    public static string Translate(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentException argument)
        {
            message = ParameterSuffix().Replace(message, "");
            message = ActualValue().Replace(message, "");
            if (argument.ParamName is { } name && Flags.TryGetValue(name, out var flag) && !message.Contains(flag)) message = $"{flag}: {message}";
        }
        message = message
            .Replace("use OverflowBehavior.Truncate to cut it", "leave out --no-truncate to cut it")
            .Replace("load it with a larger MaxBatch", "pass a larger --max-batch")
            .Replace("MaxBatch", "--max-batch");
        message = IndexedInput().Replace(message, "the input");
        message = NumberedInput().Replace(message, "the $1");
        return OneLine(message);
    }

    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\s*Actual value was [^.]*\.?")]
    private static partial Regex ActualValue();

    [GeneratedRegex(@"\b(?:texts|items|inputs|documents)\[\d+\]")]
    private static partial Regex IndexedInput();

    [GeneratedRegex(@"^(question|context|item) \d+\b")]
    private static partial Regex NumberedInput();
}
