using System.Text;
using DiffAcc.Hdl.Ir;

namespace DiffAcc.Hdl.Elaboration;

/// <summary>
/// A canonical text of a module's structure (nets, logic, memories, instances) without source
/// locations: two modules with the same key emit the same Verilog apart from locator comments.
/// </summary>
internal sealed class StructuralKey
{
    private readonly StringBuilder text = new();
    private readonly Dictionary<Net, int> index = new(ReferenceEqualityComparer.Instance);
    private readonly IReadOnlyDictionary<ModuleDef, int> canonicalIds;

    private StructuralKey(IReadOnlyDictionary<ModuleDef, int> canonicalIds) => this.canonicalIds = canonicalIds;

    public static string Of(ModuleDef module, IReadOnlyDictionary<ModuleDef, int> canonicalIds)
    {
        var key = new StructuralKey(canonicalIds);
        key.Write(module);
        return key.text.ToString();
    }

    private void Write(ModuleDef module)
    {
        text.Append(module.ClassName).Append('|').Append(module.BlackBoxName).Append('|');
        foreach (var (name, value) in module.Parameters)
            text.Append(name).Append('=').Append(value).Append(';');
        foreach (var net in module.AllNets)
        {
            index[net] = index.Count;
            text.Append("\nN").Append(net.Kind).Append(' ').Append(net.Name).Append(' ').Append(net.Shape);
            if (net.IsUnusedSink)
                text.Append(" unused");
            if (net.IsLatch)
                text.Append(" latch");
            if (net.Vector is { } vector)
                text.Append(" V").Append(net.VectorIndex).Append('/').Append(vector.Elements.Count);
            if (net.Register is { } reg)
            {
                text.Append(" R ").Append(reg.Domain.Name).Append(' ').Append(reg.ResetValue?.ToString() ?? "-").Append(reg.ResetName?.Name).Append(reg.IsSynchronizerStage ? " S" : "");
                if (reg.Enable is not null)
                    Expr(text.Append(" E "), reg.Enable);
            }
            foreach (var (k, v) in net.Attributes)
                text.Append(" @").Append(k).Append('=').Append(v);
            if (net.ClockOf is not null || net.ResetOf is not null)
                text.Append(" C ").Append(net.ClockOf?.Name).Append(net.ResetOf?.Name);
        }
        Statements(module.Body);
        foreach (var memory in module.Memories)
        {
            text.Append("\nM").Append(memory.Name).Append(' ').Append(memory.Word).Append(' ').Append(memory.Depth).Append(' ').Append(memory.Style).Append(' ').Append(memory.ByteWidth);
            if (memory.Init is { } init)
                text.Append(memory.InitFromFile ? " F" : " I").Append(string.Join(",", init));
            foreach (var w in memory.WritePorts)
            {
                text.Append(" W").Append(w.Domain.Name);
                Expr(text, w.Address);
                Expr(text, w.Data);
                Expr(text, w.Enable);
                if (w.ByteEnable is not null)
                    Expr(text, w.ByteEnable);
            }
            foreach (var r in memory.ReadPorts)
            {
                text.Append(" R").Append(r.Domain.Name).Append(' ').Append(index[r.Data]);
                Expr(text, r.Address);
                Expr(text, r.Enable);
            }
        }
        foreach (var instance in module.Instances)
        {
            text.Append("\nI").Append(instance.Name).Append(' ').Append(canonicalIds[instance.Definition]);
            foreach (var (child, parent) in instance.Bindings)
                text.Append(' ').Append(child.Name).Append('=').Append(index[parent]);
        }
    }

    private void Statements(IEnumerable<Statement> statements)
    {
        foreach (var statement in statements)
        {
            switch (statement)
            {
                case Connect c:
                    Expr(text.Append("\nC").Append(index[c.Target]).Append('='), c.Value);
                    break;
                case When w:
                    Expr(text.Append("\nW("), w.Condition);
                    text.Append("){");
                    Statements(w.Then);
                    text.Append("}{");
                    Statements(w.Else);
                    text.Append('}');
                    break;
            }
        }
    }

    private void Expr(StringBuilder sb, Expr e)
    {
        switch (e)
        {
            case NetRef r:
                sb.Append('n').Append(index.TryGetValue(r.Net, out var i) ? i : -1).Append(index.ContainsKey(r.Net) ? "" : r.Net.Name);
                return;
            case Const c:
                sb.Append(c.Value).Append('\'').Append(c.Shape).Append(c is NamedConst n ? n.Name : "");
                return;
        }
        sb.Append(e.GetType().Name[0]).Append(e switch
        {
            UnaryExpr u => u.Op.ToString(),
            BinaryExpr b => b.Op.ToString(),
            SliceExpr s => $"{s.High}:{s.Low}",
            MemoryReadExpr m => m.Memory.Name,
            _ => "",
        }).Append(e.Shape).Append('(');
        foreach (var operand in e.Operands)
        {
            Expr(sb, operand);
            sb.Append(',');
        }
        sb.Append(')');
    }
}
