using DiffAcc.Cli;

return await DiffAccCommand.Create().Parse(args).InvokeAsync();
