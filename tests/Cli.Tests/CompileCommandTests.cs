using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;

namespace DiffAcc.Cli.Tests;

/// <summary><c>diffacc compile</c> and the accelerator backends of <c>diffacc sample</c>.</summary>
public sealed class CompileCommandTests
{
    [Fact]
    public async Task Compile_writes_program_image_manifest_and_a_header_that_c_code_reads()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-compile-").FullName;
        var (code, output, error) = CommandLine.Run("compile", "--preset", "small", "--steps", "20", "--out", folder, "--verbose");
        Assert.True(code == 0, error);
        Assert.Contains("up_blocks.0.attentions.0.attention", output);
        Assert.Matches(@"compiled and written in \d+\.\d s", output);
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "manifest.json")));
        var root = manifest.RootElement;
        var instructions = root.GetProperty("program").GetProperty("instructions").GetInt32();
        Assert.Equal(instructions * 32L, new FileInfo(Path.Combine(folder, "program.bin")).Length);
        Assert.Equal(root.GetProperty("image").GetProperty("bytes").GetInt64(), new FileInfo(Path.Combine(folder, "image.bin")).Length);
        Assert.Equal("small", root.GetProperty("preset").GetProperty("name").GetString());
        var steps = root.GetProperty("steps");
        Assert.Equal(20, steps.GetArrayLength());

        await File.WriteAllTextAsync(Path.Combine(folder, "host.c"), """
            #include <stdio.h>
            #include "diffacc_model.h"
            int main(void) {
                printf("%u %u %u %u %u\n", DIFFACC_MODEL_INSTRUCTIONS, DIFFACC_MODEL_STEPS, (unsigned)diffacc_model_timesteps[0], (unsigned)diffacc_model_step_groups[DIFFACC_MODEL_STEPS - 1], DIFFACC_MODEL_INPUT_PIXEL_BYTES);
                return 0;
            }
            """);
        var compile = await CliWrap.Cli.Wrap("gcc").WithArguments(["-std=c99", "-Wall", "-Wextra", "-Werror", "-o", "host", "host.c"]).WithWorkingDirectory(folder).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        Assert.True(compile.ExitCode == 0, compile.StandardError);
        var run = await CliWrap.Cli.Wrap(Path.Combine(folder, "host")).ExecuteBufferedAsync();
        var last = steps[19];
        Assert.Equal($"{instructions} 20 {steps[0].GetProperty("timestep").GetInt32()} {last.GetProperty("stepGroup").GetInt32()} {root.GetProperty("input").GetProperty("pixelBytes").GetInt32()}\n", run.StandardOutput);
    }

    [Fact]
    public void A_layer_the_configuration_cannot_hold_is_named_with_its_limit_and_nothing_is_written()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-compile-").FullName;
        var config = Path.Combine(folder, "narrow.json");
        File.WriteAllText(config, """{ "preset": "small", "maxChannels": 32 }""");
        var output = Path.Combine(folder, "out");
        var (code, _, error) = CommandLine.Run("compile", "--config", config, "--out", output);
        Assert.Equal(1, code);
        Assert.Contains("down_blocks.2.resnets.0.conv_shortcut: 64 output channels (64 with padding) exceed MaxChannels 32", error);
        Assert.DoesNotContain("   at ", error);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_model_without_scales_needs_quant()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-compile-").FullName;
        var (code, _, error) = CommandLine.Run("compile", "--model", SampleCommandTests.TinyUnet(), "--out", folder);
        Assert.Equal(1, code);
        Assert.Contains("--quant is required", error);
    }

    /// <summary>
    /// With the hardware's quantization methods: SiLU zero points in two step groups, so the program's
    /// convolutions pad with 0 and with each step group's zero point, unsigned softmax probabilities
    /// (SOFTMAX's Unsigned, P x V in three accumulator passes) and split concatenation scales (GroupNorm
    /// exponents, a shortcut-convolution pass per part).
    /// </summary>
    [Fact]
    public void Two_ddim_steps_of_the_shipped_model_on_the_rtl_are_bit_exact_against_the_int8_model_on_two_and_four_groups()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-rtl-").FullName;
        var (code, output, error) = CommandLine.Run("quantize", "--steps", "2", "--groups", "2", "--trajectories", "1", "--silu-zero-point", "--unsigned-softmax", "--split-concat", "--out", Path.Combine(folder, "quant.json"));
        Assert.True(code == 0, $"{output}\n{error}");
        var png = Path.Combine(folder, "rtl.png");
        (code, output, error) = CommandLine.Run("sample", "--backend", "rtl", "--preset", "small", "--quant", Path.Combine(folder, "quant.json"), "--steps", "2", "--count", "1", "--compare", "int8", "--out", png);
        Assert.True(code == 0, $"{output}\n{error}");
        Assert.Matches(@"bit-exact: 2 step\(s\) x 1 sample\(s\) against the int8 model, every activation the program stores \(\d+ tensors\)", output);
        Assert.Matches(@"step 1 \(t = 0\), sample 0: [\d,]+ cycles in [\d.]+ s \([\d,]+ cycles/s\); pe busy [\d.]+ %", output);
        Assert.True(new FileInfo(png).Length > 0);

        // What we ship, small: four PE groups (the sample's rows split over all four), 16 vector lanes and
        // two weights ports, each reading half of every weight row.
        (code, output, error) = CommandLine.Run("sample", "--backend", "rtl", "--preset", "small-wide", "--quant", Path.Combine(folder, "quant.json"), "--steps", "2", "--count", "1", "--compare", "int8", "--out", png);
        Assert.True(code == 0, $"{output}\n{error}");
        Assert.Matches(@"bit-exact: 2 step\(s\) x 1 sample\(s\) against the int8 model, every activation the program stores \(\d+ tensors\)", output);
    }
}
