using System.Diagnostics;
using Xunit;

namespace ValueDrift.Tests;

/// <summary>
/// Debian's headless Chromium, offline (no network services, no first-run or component downloads), used to load an
/// HTML page and read back its DOM after the page's scripts ran, or take a screenshot. Used by the report and notebook
/// rendering tests.
/// </summary>
public static class HeadlessChromium
{
    public static string Find()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path)) return path;
            }
        Assert.Fail("headless rendering test needs Chromium: install the Debian package 'chromium' (apt-get install -y chromium)");
        return "";
    }

    /// <summary>The DOM of <paramref name="htmlFile"/> after its scripts ran (virtual time: timers fire without waiting).</summary>
    public static string DumpDom(string htmlFile, string profileDir)
    {
        var (exit, stdout, stderr) = Run(profileDir, "--dump-dom", new Uri(htmlFile).AbsoluteUri);
        Assert.True(exit == 0, $"chromium exited {exit}: {stderr}");
        return stdout;
    }

    /// <summary>A PNG screenshot of <paramref name="htmlFile"/> at the given window size.</summary>
    public static void Screenshot(string htmlFile, string png, string profileDir, int width = 1200, int height = 2600)
    {
        var (exit, _, stderr) = Run(profileDir, $"--screenshot={png}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(htmlFile).AbsoluteUri);
        Assert.True(exit == 0, $"chromium --screenshot exited {exit}: {stderr}");
    }

    /// <summary>Runs headless, offline Chromium with a fresh profile and the given arguments.</summary>
    public static (int Exit, string Stdout, string Stderr) Run(string profileDir, params string[] extra)
    {
        var psi = new ProcessStartInfo(Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     $"--user-data-dir={profileDir}", "--virtual-time-budget=15000",
                 }.Concat(extra))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 120 s: " + stderr.Result);
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Writes a page holding the given output fragments in order, as a notebook front end shows them.</summary>
    public static string Page(string dir, string name, params string[] fragments)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n" +
                                string.Join("\n", fragments) + "\n</body></html>\n");
        return path;
    }
}
