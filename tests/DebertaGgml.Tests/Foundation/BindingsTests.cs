using System.Reflection;
using System.Runtime.InteropServices;
using DebertaGgml.BindingsGen;
using DebertaGgml.Native;
using DebertaGgml.Tests.TestSupport;

namespace DebertaGgml.Tests.Foundation;

public class BindingsTests
{
    static readonly string GeneratedFile = Repo.Path("bindings", "DebertaGgml.Native", "Generated", "NativeMethods.g.cs");

    [Fact]
    public void Generated_bindings_match_the_header()
    {
        string regenerated = BindingsGenerator.GenerateFromHeader(Repo.Path("native", "include", "deberta.h"));
        string committed = File.ReadAllText(GeneratedFile);
        Assert.True(committed == regenerated,
            "bindings drifted from native/include/deberta.h: run `dotnet run --project bindings/DebertaGgml.BindingsGen`");
    }

    public static IEnumerable<object[]> NativeStructs() =>
        typeof(NativeLibraryLoader).Assembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && t.Name.StartsWith("deberta_", StringComparison.Ordinal))
            .Select(t => new object[] { t.Name });

    [Theory]
    [MemberData(nameof(NativeStructs))]
    public void Struct_layout_matches_the_C_side(string structName)
    {
        NativeLibraryLoader.EnsureLoaded();
        var type = typeof(NativeLibraryLoader).Assembly.GetTypes().Single(t => t.Name == structName);
        Assert.Equal(NativeMethods.deberta_abi_layout(structName), Marshal.SizeOf(type));
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            long offset = NativeMethods.deberta_abi_layout($"{structName}.{field.Name}");
            Assert.True(offset >= 0, $"the C side does not know {structName}.{field.Name}");
            Assert.Equal(offset, (long)Marshal.OffsetOf(type, field.Name));
        }
    }

    [Fact]
    public void Every_struct_of_the_header_is_covered()
    {
        Assert.True(NativeStructs().Count() >= 5);
    }
}
