using DebertaGgml;

// Prints "<label>\t<score>\t<libdeberta path>" for the demo sentence.
using var model = DebertaModel.Load(args.Length > 0 ? args[0] : "models/langid-q8_0.gguf");
var top = model.Classify("Wie spät ist es?").Top;
Console.WriteLine($"{top.Label}\t{top.Score:F6}\t{DebertaLibrary.GetInfo().LibraryPath}");
