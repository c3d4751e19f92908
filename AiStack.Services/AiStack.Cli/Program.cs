using AiStack.Cli;

return await CliCommands.Build().Parse(args).InvokeAsync();
