using System.Collections.Concurrent;
using Scriban;
using Scriban.Runtime;

namespace DiffAcc.Hdl.Emit;

/// <summary>Renders the Scriban templates shipped inside this assembly; each is parsed once.</summary>
internal static class TemplateText
{
    private static readonly ConcurrentDictionary<string, Template> Parsed = new(StringComparer.Ordinal);

    public static string Render(string templateName, object model)
    {
        var template = Parsed.GetOrAdd(templateName, Load);
        var globals = new ScriptObject();
        globals.Import(model, renamer: StandardMemberRenamer.Default);
        var context = new TemplateContext { StrictVariables = true, MemberRenamer = StandardMemberRenamer.Default, LoopLimit = 0 };
        context.PushGlobal(globals);
        return template.Render(context);
    }

    private static Template Load(string name)
    {
        using var stream = typeof(TemplateText).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"template {name} is not embedded in DiffAcc.Hdl");
        using var reader = new StreamReader(stream);
        var template = Template.Parse(reader.ReadToEnd(), name);
        if (template.HasErrors)
            throw new InvalidOperationException($"template {name} does not parse: {string.Join("; ", template.Messages)}");
        return template;
    }
}

/// <summary>One generated text file, by its name relative to the output folder.</summary>
public sealed record EmittedFile(string Name, string Text);
