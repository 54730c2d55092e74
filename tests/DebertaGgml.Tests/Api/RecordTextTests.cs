namespace DebertaGgml.Tests.Api;

/// <summary>Public records print their lists' contents, not the lists' type names.</summary>
public class RecordTextTests
{
    [Fact]
    public void Library_info_lists_its_devices_and_features()
    {
        var info = DebertaLibrary.GetInfo();
        string text = info.ToString();
        Assert.StartsWith($"LibraryInfo {{ LibraryVersion = {info.LibraryVersion}, ", text);
        Assert.Contains($"CpuFeatures = [{string.Join(", ", info.CpuFeatures)}]", text);
        Assert.EndsWith($"Devices = [{string.Join(", ", info.Devices.Select(d => d.Name))}] }}", text);
        Assert.DoesNotContain("System.", text);
    }
}
