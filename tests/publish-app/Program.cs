using System.Diagnostics;
using DebertaGgml;

// Prints "<label>\t<score>\t<libdeberta path>\t<ms for the first Load and Classify>\t<ms since the process started>"
// for the demo sentence: the last two are issue 17's cold-start figures for each publish mode.
var clock = Stopwatch.StartNew();
using var model = DebertaModel.Load(args.Length > 0 ? args[0] : "models/langid-q8_0.gguf");
var top = model.Classify("Wie spät ist es?").Top;
double firstCall = clock.Elapsed.TotalMilliseconds;
double sinceStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
Console.WriteLine($"{top.Label}\t{top.Score:F6}\t{DebertaLibrary.GetInfo().LibraryPath}\t{firstCall:F1}\t{sinceStart:F1}");
