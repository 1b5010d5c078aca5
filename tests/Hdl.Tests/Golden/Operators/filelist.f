Operators.v
