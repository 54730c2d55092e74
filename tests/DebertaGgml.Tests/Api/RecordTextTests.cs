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
    [Fact]
    public void Pipeline_results_print_their_items()
    {
        var label = new LabelScore("de", 3, 0.5f);
        Assert.Equal($"ClassificationResult {{ Scores = [{label}], Truncated = False }}", new ClassificationResult([label], false).ToString());
        Assert.Equal($"ZeroShotResult {{ Sequence = t, Scores = [{label}, {label}], Truncated = True }}", new ZeroShotResult("t", [label, label], true).ToString());
        var candidate = new FillMaskCandidate("a", 7, 0.25f, "x a");
        Assert.Equal($"FillMaskResult {{ Masks = [[{candidate}], []], Truncated = False }}", new FillMaskResult([[candidate], []], false).ToString());
        var answer = new Answer("b", 0.5f, 1, 2);
        Assert.Equal($"QuestionAnsweringResult {{ Answers = [{answer}] }}", new QuestionAnsweringResult([answer]).ToString());
        var entity = new Entity("PER", 0.5f, "Ann", 0, 3);
        Assert.Equal($"EntityResult {{ Entities = [{entity}], Truncated = False }}", new EntityResult([entity], false).ToString());
        var choice = new ChoiceScore(0, "c", 1f, 0.5f);
        Assert.Equal($"ChoiceResult {{ Choices = [{choice}], Truncated = False }}", new ChoiceResult([choice], false).ToString());
        Assert.Equal("EmbeddingResult { Vector = float[3], Truncated = False }", new EmbeddingResult([1, 2, 3], false).ToString());
    }
}
