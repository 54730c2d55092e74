using System.CommandLine;
using System.CommandLine.Parsing;

namespace DebertaGgml.Cli.Commands;

/// <summary>`--device cpu|cuda|vulkan|metal|best`: where a model runs, on every command that runs one.</summary>
internal static class DeviceOption
{
    static readonly string Names = string.Join('|', Enum.GetNames<DebertaDevice>().Select(n => n.ToLowerInvariant()));

    public static Option<DebertaDevice> Create() => new("--device")
    {
        Description = "Where the model runs: cpu, cuda, vulkan, metal (the first GPU of that backend; its runtime package must be installed), " +
                      "or best (the first GPU, else the CPU; --verbose says which)",
        HelpName = Names,
        DefaultValueFactory = _ => DebertaDevice.Cpu,
        CustomParser = Parse,
    };

    static DebertaDevice Parse(ArgumentResult result)
    {
        string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (Enum.TryParse(text, ignoreCase: true, out DebertaDevice device) && Enum.IsDefined(device) && !int.TryParse(text, out _))
            return device;
        result.AddError($"--device '{text}': not a device; use one of {Names.Replace("|", ", ")}");
        return DebertaDevice.Cpu;
    }
}
