using DiffAcc.Accelerator.Configuration;

namespace DiffAcc.Accelerator.Tests;

public sealed class ConfigurationTests
{
    [Fact]
    public void The_xczu9eg_preset_uses_at_least_80_percent_of_the_DSP48E2_for_MACs_and_fits()
    {
        var config = Presets.Xczu9eg;
        Assert.Empty(config.Validate());
        Assert.Equal(4096, config.Macs);
        Assert.Equal(2048, config.MacDsps);
        Assert.True(config.MacDsps >= 0.8 * config.Part.Dsp48E2, $"{config.MacDsps} of {config.Part.Dsp48E2}");
        Assert.True(config.TotalDsps <= config.Part.Dsp48E2);
        Assert.Same(config, Presets.Default);
        // Activation buffers 8,192 x 256 bits (58 each), accumulator banks 512 x 1,024 bits twice (15 each), and the
        // weight buffer's 64 column memories of 256 x 128 bits (both banks, 2 each).
        Assert.Equal((4 * (58 + (2 * 15))) + (64 * 2), config.BufferRamb36);
    }

    [Fact]
    public void Every_preset_is_valid() => Assert.All(Presets.All.Values, p => Assert.Empty(p.Validate()));

    [Fact]
    public void Impossible_values_are_reported_by_field_all_at_once()
    {
        var problems = (Presets.Small with { Groups = 0, Tm = 3, StepGroups = 0, ClockMHz = -5 }).Validate();
        Assert.Contains(problems, p => p.Field == "Groups" && p.Problem.Contains("at least 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "Tm" && p.Problem.Contains("even with DspPacking", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Field == "StepGroups");
        Assert.Contains(problems, p => p.Field == "ClockMHz");
    }

    [Theory]
    [InlineData(0, "must be 1 to 4 (the ZCU102's S_AXI_HP1 to HP3 and HPC0; HP0 is the data port's), not 0")]
    [InlineData(5, "must be 1 to 4 (the ZCU102's S_AXI_HP1 to HP3 and HPC0; HP0 is the data port's), not 5")]
    [InlineData(3, "must split a weight row of Tm x Tn = 32 bytes into whole 16-byte beats per port, not 3")]
    public void Weight_ports_must_exist_on_the_board_and_split_a_row_into_whole_beats(int ports, string expected)
    {
        var problem = Assert.Single((Presets.Small with { WeightPorts = ports }).Validate());
        Assert.Equal("WeightPorts", problem.Field);
        Assert.Equal(expected, problem.Problem);
        Assert.Empty((Presets.Small with { WeightPorts = 2 }).Validate());
        Assert.Equal(2, ConfigFile.Parse("""{ "preset": "small", "weightPorts": 2 }""", "ports.json").WeightPorts);
    }

    [Fact]
    public void More_DSP48E2_than_the_part_has_is_an_error_that_names_the_numbers()
    {
        var error = Assert.Throws<ConfigException>(() => (Presets.Xczu9eg with { Groups = 5 }).Validated("test"));
        var problem = Assert.Single(error.Problems);
        Assert.Equal("Groups", problem.Field);
        Assert.Contains("need 3059 DSP48E2 (2560 for MACs at 2 per DSP, 320 for requantizers, 168 for 16 vector lanes, 11 for the controller) but xczu9eg-ffvb1156-2-e has 2520", problem.Problem);
        Assert.StartsWith("test: 1 problem(s)", error.Message);
    }

    [Fact]
    public void A_JSON_file_overrides_a_preset()
    {
        var config = ConfigFile.Parse("""{ "preset": "small", "groups": 3, "dspPacking": false, /* comments are fine */ }""", "mine.json");
        Assert.Equal(3, config.Groups);
        Assert.False(config.DspPacking);
        Assert.Equal(Presets.Small.Tm, config.Tm);
    }

    [Theory]
    [InlineData("""{ "groups": 2, """, "mine.json", "(document)")]
    [InlineData("""{ "groups": "four" }""", "mine.json", "groups")]
    [InlineData("""{ "grups": 4 }""", "mine.json", "grups")]
    [InlineData("""{ "preset": "huge" }""", "mine.json", "preset")]
    [InlineData("""{ "tm": 7 }""", "mine.json", "Tm")]
    public void A_bad_file_names_the_file_the_field_and_the_problem(string json, string file, string field)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigFile.Parse(json, file));
        Assert.StartsWith($"{file}: ", error.Message);
        Assert.Contains(error.Problems, p => p.Field == field);
        Assert.DoesNotContain("   at ", error.Message);
    }

    [Theory]
    [InlineData("""{ "grups": 4 }""", "unknown field 'grups'; did you mean 'groups'?")]
    [InlineData("""{ "WeightBufferKiB": 256 }""", "unknown field 'WeightBufferKiB'; did you mean 'weightBufferKiB'?")]
    [InlineData("""{ "groups": "four" }""", "must be a whole number")]
    [InlineData("""{ "clockMHz": true }""", "must be a number")]
    [InlineData("""{ "dspPacking": 1 }""", "must be true or false")]
    [InlineData("""[1, 2]""", "is not a JSON object of configuration fields")]
    public void A_bad_file_says_what_is_wrong_in_the_users_words(string json, string expected)
    {
        var error = Assert.Throws<ConfigException>(() => ConfigFile.Parse(json, "mine.json"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DiffAcc.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(24)]
    [InlineData(48)]
    public void An_accumulator_width_the_datapath_is_not_built_for_is_refused_before_elaboration(int width)
    {
        var problems = (Presets.Small with { AccumulatorWidth = width }).Validate();
        Assert.Contains(problems, p => p.Field == "AccumulatorWidth" && p.Problem.Contains("must be 32", StringComparison.Ordinal));
    }

    [Fact]
    public void Vector_lanes_and_activation_table_slots_come_from_a_file()
    {
        var config = ConfigFile.Parse("""{ "preset": "xczu9eg", "vectorLanes": 4, "activationTableSlots": 3 }""", "mine.json");
        Assert.Equal(4, config.VectorLanes);
        Assert.Equal(3, config.ActivationTableSlots);
    }

    [Fact]
    public void A_folder_given_as_the_file_is_reported_by_path()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-config-").FullName;
        var error = Assert.Throws<ConfigException>(() => ConfigFile.Load(folder));
        Assert.Contains("is a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigFile.Load("/nonexistent/accelerator.json"));
        Assert.StartsWith("/nonexistent/accelerator.json: ", error.Message);
    }
}
