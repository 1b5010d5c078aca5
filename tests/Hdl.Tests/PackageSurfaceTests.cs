namespace DiffAcc.Hdl.Tests;

/// <summary>The DiffAcc.Hdl package exposes the DSL, the IR, checks, passes and emitters, not the demonstration designs or the emitters' view records.</summary>
public sealed class PackageSurfaceTests
{
    [Fact]
    public void Examples_and_template_views_are_not_public()
    {
        var exported = typeof(Module).Assembly.GetExportedTypes();
        Assert.DoesNotContain(exported, t => t.Namespace == "DiffAcc.Hdl.Examples");
        Assert.DoesNotContain(exported, t => t.Name.EndsWith("View", StringComparison.Ordinal));
        Assert.Equal("DiffAcc.Hdl.Examples", typeof(Examples.MacArray).Assembly.GetName().Name);
    }
}
