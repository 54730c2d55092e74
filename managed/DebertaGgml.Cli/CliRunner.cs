namespace DebertaGgml.Cli;

/// <summary>Runs a command body: a failure becomes one line on stderr and a non-zero exit code.</summary>
internal static class CliRunner
{
    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("deberta: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"deberta: error: {OneLine(e.Message)}");
            return 1;
        }
    }

    static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
