namespace DebertaGgml.Tests.TestSupport;

/// <summary>Cancellation on a dedicated thread: a timer-based CancelAfter waits for a thread-pool thread, which a
/// busy test run can starve for longer than the work being cancelled takes.</summary>
public static class Cancel
{
    public static CancellationTokenSource After(TimeSpan delay)
    {
        var cts = new CancellationTokenSource();
        var thread = new Thread(() =>
        {
            Thread.Sleep(delay);
            try
            {
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // the test finished first
            }
        }) { IsBackground = true };
        thread.Start();
        return cts;
    }
}
