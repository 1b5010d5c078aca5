using System.Collections.Concurrent;
using Scriban;
using Scriban.Runtime;

namespace DiffAcc.Hdl.Emit;

/// <summary>
/// Renders Scriban templates embedded in an assembly (by default this one), each parsed once.
/// Emitters of other projects pass their own assembly so their templates stay next to their code.
/// </summary>
public static class TemplateText
{
    private static readonly ConcurrentDictionary<(System.Reflection.Assembly, string), Template> Parsed = new();

    public static string Render(string templateName, object model, System.Reflection.Assembly? assembly = null)
    {
        var template = Parsed.GetOrAdd((assembly ?? typeof(TemplateText).Assembly, templateName), Load);
        var globals = new ScriptObject();
        globals.Import(model, renamer: StandardMemberRenamer.Default);
        // No limits: a generated module can be megabytes of text.
        var context = new TemplateContext { StrictVariables = true, MemberRenamer = StandardMemberRenamer.Default, LoopLimit = 0, LimitToString = 0 };
        context.PushGlobal(globals);
        return template.Render(context);
    }

    private static Template Load((System.Reflection.Assembly Assembly, string Name) key)
    {
        var (assembly, name) = key;
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"template {name} is not embedded in {assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        var template = Template.Parse(reader.ReadToEnd(), name);
        if (template.HasErrors)
            throw new InvalidOperationException($"template {name} does not parse: {string.Join("; ", template.Messages)}");
        return template;
    }
}

/// <summary>One generated text file, by its name relative to the output folder.</summary>
public sealed record EmittedFile(string Name, string Text);
