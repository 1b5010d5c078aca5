using DiffAcc.Model.Quality;
using DiffAcc.Model.SafeTensors;

namespace DiffAcc.Model.Tests;

public sealed class QualityTests
{
    private static double[][] Gaussian(int count, int dims, double shift, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dims).Select(d => shift + ((d + 1) * 0.5 * Normal(random))).ToArray())];
    }

    private static double Normal(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void The_Frechet_distance_is_zero_for_equal_sets_and_the_squared_mean_shift_for_shifted_ones()
    {
        var a = Gaussian(500, 6, 0, 1);
        Assert.Equal(0, FrechetDistance.Between(a, a), 6);
        var shifted = a.Select(v => v.Select(x => x + 2).ToArray()).ToList();
        Assert.Equal(6 * 4, FrechetDistance.Between(a, shifted), 6);
        // Independent draws of one distribution are close; a wider one is far.
        Assert.True(FrechetDistance.Between(a, Gaussian(500, 6, 0, 2)) < 1.5);
        var wide = a.Select(v => v.Select(x => x * 3).ToArray()).ToList();
        Assert.True(FrechetDistance.Between(a, wide) > 20);
    }

    [Fact]
    public void Fashion_MNIST_test_images_are_padded_and_scaled_like_the_training_script()
    {
        var images = FashionMnist.TestImages(limit: 3);
        Assert.Equal([3, 1, 32, 32], images.Shape);
        Assert.All(images.Data, v => Assert.InRange(v, -1f, 1f));
        // The 2-pixel border is background.
        Assert.All(Enumerable.Range(0, 32), x => Assert.Equal(-1f, images.Data[x]));
        Assert.Contains(images.Data, v => v > 0.5f);
        var error = Assert.Throws<ModelFileException>(() => FashionMnist.Read("/nonexistent/t10k.gz"));
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
    }

    [Fact]
    public void SQNR_and_PSNR_follow_their_definitions()
    {
        float[] reference = [1, -1, 0.5f, -0.5f];
        float[] test = [1.1f, -1, 0.5f, -0.5f];
        Assert.Equal(10 * Math.Log10(2.5 / 0.01), Fidelity.Sqnr(reference, test), 3);
        Assert.Equal(double.PositiveInfinity, Fidelity.Sqnr(reference, reference));
        // Clipped to [-1, 1]: 1.1 counts as 1, so the images are equal.
        Assert.Equal(double.PositiveInfinity, Fidelity.Psnr(reference, test));
        Assert.Equal(10 * Math.Log10(4 / (0.25 / 4)), Fidelity.Psnr(reference, [1, -1, 0, -0.5f]), 6);
    }

    [Fact]
    public void The_shipped_feature_network_classifies_the_test_set_as_it_did_in_PyTorch()
    {
        var network = FeatureNetwork.Load(ShippedFeatures());
        Assert.Equal(64, network.FeatureCount);
        var labels = FashionMnist.TestLabels(limit: 1000);
        var predicted = network.Classify(FashionMnist.TestImages(limit: 1000));
        var accuracy = predicted.Zip(labels).Count(p => p.First == p.Second) / 1000.0;
        // The training script measured 0.8746 on all 10,000 test images.
        Assert.InRange(accuracy, 0.85, 0.90);
    }

    [Fact]
    public void A_feature_network_with_wrong_shapes_names_the_tensor()
    {
        var folder = Directory.CreateTempSubdirectory("diffacc-features-").FullName;
        File.Copy(Path.Combine(ShippedFeatures(), FeatureNetwork.WeightsFile), Path.Combine(folder, FeatureNetwork.WeightsFile));
        File.WriteAllText(Path.Combine(folder, FeatureNetwork.ConfigFile), """{ "layers": [ { "in": 1, "out": 16, "stride": 1 } ], "classes": 10 }""");
        var error = Assert.Throws<ModelFileException>(() => FeatureNetwork.Load(folder));
        Assert.Contains("convs.0.weight", error.Message);
        Assert.Contains("convs.1.weight", error.Message);
    }

    private static string ShippedFeatures([System.Runtime.CompilerServices.CallerFilePath] string file = "")
        => Path.Combine(Path.GetDirectoryName(file)!, "..", "..", "model", "weights", "fashion-mnist", "features");

    [Fact]
    public void The_bootstrap_interval_of_a_mean_has_the_textbook_width_and_is_the_same_for_the_same_seed()
    {
        // 2,000 draws of U(0, 1): the mean's 95 % interval is about 0.5 ± 1.96 * 0.2887 / sqrt(2000) = 0.5 ± 0.0127.
        var random = new Random(4);
        var data = Enumerable.Range(0, 2000).Select(_ => random.NextDouble()).ToArray();
        var mean = data.Average();
        var (low, high) = DiffAcc.Model.Quality.Bootstrap.Interval(data.Length, 1000, 9, pick => pick.Average(i => data[i]));
        Assert.InRange(high - low, 0.022, 0.029);
        Assert.InRange(mean, low, high);
        Assert.Equal((low, high), DiffAcc.Model.Quality.Bootstrap.Interval(data.Length, 1000, 9, pick => pick.Average(i => data[i])));
        Assert.Throws<ArgumentException>(() => DiffAcc.Model.Quality.Bootstrap.Interval(1, 10, 9, _ => 0));
    }

    [Fact]
    public void Statistics_based_grouping_cuts_where_the_ranges_jump()
    {
        // Steps 0-2 have ranges near 2^3, steps 3-6 near 2^0, steps 7-9 near 2^-4: three groups cut there, not at 4 and 7.
        double[][] profile = [[3.0, 3.1], [3.1, 2.9], [2.9, 3.0], [0, 0.1], [0.1, 0], [0, -0.1], [-0.1, 0], [-4, -4], [-4.1, -3.9], [-3.9, -4.1]];
        Assert.Equal([3, 4, 3], DiffAcc.Model.Quantization.StepSegmentation.Cut(profile, 3));
        Assert.Equal([10], DiffAcc.Model.Quantization.StepSegmentation.Cut(profile, 1));
        Assert.Equal(Enumerable.Repeat(1, 10), DiffAcc.Model.Quantization.StepSegmentation.Cut(profile, 10));
        var groups = DiffAcc.Model.Quantization.StepGroup.Partition([900, 800, 700, 600, 500, 400, 300, 200, 100, 0], [3, 4, 3], 1000);
        Assert.Equal([(999, 700), (699, 300), (299, 0)], groups.Select(g => (g.Group.From, g.Group.To)));
    }
}
