StreamAdder.v
