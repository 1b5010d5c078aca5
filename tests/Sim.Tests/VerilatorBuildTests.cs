using DiffAcc.Hdl;
using DiffAcc.Hdl.Examples;
using DiffAcc.Sim.Verilator;

namespace DiffAcc.Sim.Tests;

public sealed class VerilatorBuildTests
{
    private static HdlResult Small() => HdlFlow.For(() => new MacArray(2, 2)).Run();

    [Fact]
    public async Task An_unchanged_design_is_reused_from_the_cache_in_under_half_a_second()
    {
        await VerilatorBuild.For(Small()).BuildAsync();
        var again = await VerilatorBuild.For(Small()).BuildAsync();
        Assert.True(again.FromCache);
        Assert.True(again.BuildTime < TimeSpan.FromSeconds(0.5), $"cached rebuild took {again.BuildTime.TotalSeconds:0.000} s");
    }

    [Fact]
    public async Task A_build_reports_verilating_then_each_file_it_compiles()
    {
        var cache = Directory.CreateTempSubdirectory("diffacc-cache-").FullName;
        var steps = new List<string>();
        await VerilatorBuild.For(Small()).WithCacheDirectory(cache).WithProgress(new Recorded(steps)).BuildAsync();
        Assert.Equal("verilating", steps[0]);
        Assert.Contains("compiling harness.cpp", steps);
        Assert.Contains(steps, s => s.StartsWith("compiling VMacArray", StringComparison.Ordinal));
    }

    private sealed class Recorded(List<string> steps) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (steps)
                steps.Add(value);
        }
    }

    [Fact]
    public async Task Parallel_builds_into_one_cache_folder_agree()
    {
        var cache = Directory.CreateTempSubdirectory("diffacc-cache-").FullName;
        var builds = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => VerilatorBuild.For(Small()).WithCacheDirectory(cache).WithJobs(1).BuildAsync()));
        Assert.Equal(builds[0].Directory, builds[1].Directory);
        Assert.True(File.Exists(builds[0].Executable));
        Assert.Single(Directory.EnumerateDirectories(cache));
    }

    [Fact]
    public async Task A_missing_verilator_is_reported_with_the_install_command()
    {
        var error = await Assert.ThrowsAsync<SimulationException>(() => VerilatorBuild.For(Small()).WithExecutable("/nonexistent/verilator").BuildAsync());
        Assert.Contains("Verilator is not installed", error.Message);
        Assert.Contains("apt-get install -y verilator", error.Message);
    }

    [Fact]
    public async Task A_verilator_older_than_5_is_refused()
    {
        var fake = Path.Combine(Directory.CreateTempSubdirectory("diffacc-fake-").FullName, "verilator");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho 'Verilator 4.038 2020-07-11 rev v4.036-114-g0cd4a57ad'\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var error = await Assert.ThrowsAsync<SimulationException>(() => VerilatorBuild.For(Small()).WithExecutable(fake).BuildAsync());
        Assert.Contains("Verilator 4.038", error.Message);
        Assert.Contains("needs Verilator 5.0 or newer", error.Message);
    }

    private sealed class Opaque : BlackBox
    {
        public Opaque() : base("VendorCoreThatIsNotHere")
        {
            A = Input(UInt(4));
            Y = Output(UInt(4));
        }

        public UInt A { get; }

        public UInt Y { get; }
    }

    private sealed class UsesOpaque : Module
    {
        public UsesOpaque()
        {
            var core = Instance(new Opaque(), "core");
            core.A.Assign(Input(UInt(4), "a"));
            Output(UInt(4), "y").Assign(core.Y);
        }
    }

    [Fact]
    public async Task A_failed_build_reports_the_tool_errors_and_keeps_the_build_folder()
    {
        var cache = Directory.CreateTempSubdirectory("diffacc-cache-").FullName;
        var error = await Assert.ThrowsAsync<SimulationException>(() => VerilatorBuild.For(HdlFlow.For(() => new UsesOpaque()).Run()).WithCacheDirectory(cache).BuildAsync());
        Assert.Contains("the Verilator build of UsesOpaque failed", error.Message);
        Assert.Contains("VendorCoreThatIsNotHere", error.Message);
        var kept = error.Message.Split("kept at ")[1].Split(':')[0];
        Assert.True(Directory.Exists(kept), $"kept build folder {kept} is missing");
        Assert.True(File.Exists(Path.Combine(kept, "harness.cpp")));
    }

    [Fact]
    public async Task A_run_that_does_not_finish_is_stopped_at_the_bound_and_reported()
    {
        var model = await VerilatorBuild.For(Small()).BuildAsync();
        var error = await Assert.ThrowsAsync<SimulationException>(() => Cosimulation.Of(model)
            .WithStimulus(new MacArrayStimulus(2, 2, 1))
            .WithModel(new MacArrayModel(2, 2))
            .WithCycles(1_000_000_000)
            .WithTimeout(TimeSpan.FromMilliseconds(500))
            .RunAsync());
        Assert.Contains("did not finish within", error.Message);
        Assert.Contains("stopped at cycle", error.Message);
    }
}
