namespace DiffAcc.Sim.Verilator;

/// <summary>How Verilator names a port in the generated C++ class: words C++ compilers reserve get the prefix <c>__SYM__</c>.</summary>
public static class VerilatorNames
{
    // C++ keywords and the words Verilator also escapes for some compilers (its V3LanguageWords list).
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "alignas", "alignof", "and", "and_eq", "asm", "atomic_cancel", "atomic_commit", "atomic_noexcept", "auto", "bitand", "bitor", "bool", "break",
        "case", "catch", "cdecl", "char", "char8_t", "char16_t", "char32_t", "class", "co_await", "co_return", "co_yield", "compl", "concept", "const",
        "const_cast", "consteval", "constexpr", "constinit", "continue", "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
        "explicit", "export", "extern", "false", "far", "float", "for", "friend", "goto", "huge", "if", "import", "inline", "int", "interrupt", "long",
        "module", "mutable", "namespace", "near", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or", "or_eq", "pascal", "private",
        "protected", "public", "reflexpr", "register", "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static", "static_assert",
        "static_cast", "struct", "switch", "synchronized", "template", "this", "thread_local", "throw", "transaction_safe", "transaction_safe_dynamic",
        "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
    };

    /// <summary>The C++ member of the Verilated top for the Verilog port <paramref name="port"/>.</summary>
    public static string Member(string port) => Reserved.Contains(port) ? $"__SYM__{port}" : port;
}
