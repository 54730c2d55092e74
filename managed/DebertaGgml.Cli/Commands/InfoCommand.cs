using System.CommandLine;
using System.Text.Json;

namespace DebertaGgml.Cli.Commands;

/// <summary>`deberta info`: library, ggml, CPU variant and devices, plus a compute self-test.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text" };
        var command = new Command("info", "Show library and ggml versions, the CPU variant and devices") { json };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var info = DebertaLibrary.GetInfo();
            // 2x3 times (2x3)^T: proves the chosen ggml build computes, not just loads.
            float[] product = DebertaLibrary.SelfTestMatMul([1, 2, 3, 4, 5, 6], [1, 0, 1, 0, 1, 0], 2, 2, 3);
            bool selfTestOk = product.SequenceEqual([4f, 2f, 10f, 5f]);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { info, selfTest = selfTestOk }, new JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                Console.WriteLine($"deberta {info.LibraryVersion}");
                Console.WriteLine($"ggml {info.GgmlVersion} (commit {info.GgmlCommit})");
                Console.WriteLine($"cpu variant: {info.CpuVariant} ({info.CpuVariantReason})");
                Console.WriteLine($"cpu features: {string.Join(' ', info.CpuFeatures)}");
                Console.WriteLine($"library: {info.LibraryPath}");
                foreach (var d in info.Devices)
                    Console.WriteLine($"device {d.Index}: {d.Name} - {d.Description} ({d.FreeMemory / (1 << 20)} MiB free of {d.TotalMemory / (1 << 20)} MiB)");
                Console.WriteLine($"self-test: {(selfTestOk ? "ok" : "FAILED")}");
            }
            return selfTestOk ? 0 : 1;
        }));
        return command;
    }
}
