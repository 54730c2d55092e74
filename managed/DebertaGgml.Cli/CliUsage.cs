using System.CommandLine;
using System.CommandLine.Parsing;

namespace DebertaGgml.Cli;

/// <summary>
/// Checks a parse before anything runs: an unknown option (even one a text argument would swallow, like
/// `--topk`), an unexpected argument or a bad option value is a usage mistake, told in one line with a suggestion.
/// </summary>
internal static class CliUsage
{
    /// <summary>The first usage mistake of <paramref name="parse"/>, or null.</summary>
    public static string? FirstMistake(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        // Tokens after `--` are arguments even when they start with '-'.
        int doubleDash = parse.Tokens.ToList().FindIndex(t => t.Type == TokenType.DoubleDash);
        var afterDoubleDash = doubleDash < 0 ? [] : parse.Tokens.Skip(doubleDash + 1).ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var argument in parse.CommandResult.Children.OfType<ArgumentResult>())
            foreach (var token in argument.Tokens)
                if (LooksLikeOption(token.Value) && !afterDoubleDash.Contains(token))
                    return UnknownOption(token.Value, command);
        foreach (string token in parse.UnmatchedTokens)
            return LooksLikeOption(token) ? UnknownOption(token, command)
                : command.Subcommands.Count > 0 ? $"unknown command '{token}'{Suggest(token, command.Subcommands.Select(c => c.Name))}"
                : $"unexpected argument '{token}'";
        var error = parse.Errors.FirstOrDefault();
        return error == null ? null : Describe(error);
    }

    /// <summary>Command name for messages: "classify", or "" for the root.</summary>
    public static string CommandName(ParseResult parse) => parse.CommandResult.Command is RootCommand ? "" : parse.CommandResult.Command.Name;

    static bool LooksLikeOption(string token) => token.Length > 1 && token[0] == '-' && !char.IsDigit(token[1]) && token[1] != '.';

    static string UnknownOption(string token, Command command)
    {
        string name = token.Split('=', 2)[0];
        var known = new List<string>();
        for (Command? c = command; c != null; c = c.Parents.OfType<Command>().FirstOrDefault())
            foreach (var option in c.Options.Where(o => c == command || o.Recursive))
                known.AddRange([option.Name, .. option.Aliases]);
        return $"unknown option '{name}'{Suggest(name, known)}";
    }

    /// <summary>"(did you mean --top-k?)" for the closest known name within two edits, else nothing.</summary>
    static string Suggest(string name, IEnumerable<string> known)
    {
        var best = known.Where(k => k.Length > 2 || name.Length <= 2)
            .Select(k => (Name: k, Distance: Distance(name, k))).OrderBy(k => k.Distance).FirstOrDefault();
        return best.Name != null && best.Distance <= Math.Max(2, name.Length / 4) ? $" (did you mean {best.Name}?)" : "";
    }

    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>A parse error in the user's terms: a value that is not a number or not one of the choices says so.</summary>
    static string Describe(ParseError error)
    {
        if (error.SymbolResult is OptionResult { Option: var option } result && result.Tokens.Count > 0)
        {
            var type = Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            string value = result.Tokens[^1].Value;
            if (type == typeof(int) && !int.TryParse(value, out _)) return $"{option.Name}: '{value}' is not a whole number";
            if (type.IsEnum && !Enum.TryParse(type, value, ignoreCase: true, out _))
                return $"{option.Name}: '{value}' is not one of {string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))}";
        }
        return error.Message;
    }
}
