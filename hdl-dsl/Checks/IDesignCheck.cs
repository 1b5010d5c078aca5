namespace DiffAcc.Hdl.Checks;

/// <summary>One rule over the elaborated design. A new rule is a new class in its own file.</summary>
public interface IDesignCheck
{
    IEnumerable<Diagnostic> Run(CheckContext context);
}
