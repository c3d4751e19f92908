// node-llama-cpp side of the llama benchmark. Input: a JSON file {modelPath, threads, contextSize, batchSize, promptTokens[],
// generateTokens, runs}. Output (stdout, one JSON line): per-run prompt and generation timings and the generated tokens.
// Generation is greedy (temperature 0) with no penalties, timed from the first generated token to the last, as on the C# side.
import { readFileSync } from "node:fs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const llama = await getLlama({
  gpu: false,
  build: "never",
  usePrebuiltBinaries: true,
  skipDownload: true,
  progressLogs: false,
  logLevel: LlamaLogLevel.error,
  maxThreads: input.threads,
});
const model = await llama.loadModel({ modelPath: input.modelPath, gpuLayers: 0 });
const context = await model.createContext({
  contextSize: input.contextSize,
  batchSize: input.batchSize,
  threads: { ideal: input.threads, min: input.threads },
  sequences: 1,
});
const sequence = context.getSequence();
const runs = [];
for (let run = 0; run < input.runs; run++) {
  await sequence.clearHistory();
  let start = process.hrtime.bigint();
  await sequence.evaluateWithoutGeneratingNewTokens(input.promptTokens);
  const promptSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  await sequence.clearHistory();
  const tokens = [];
  let first = 0n;
  for await (const token of sequence.evaluate(input.promptTokens, { temperature: 0, yieldEogToken: true })) {
    if (tokens.length === 0) first = process.hrtime.bigint();
    tokens.push(token);
    if (tokens.length >= input.generateTokens) break;
  }
  const generationSeconds = Number(process.hrtime.bigint() - first) / 1e9;
  runs.push({ promptSeconds, generationSeconds, generated: tokens.length, tokens });
}
console.log(JSON.stringify({ runs, llamaCpp: llama.llamaCppRelease ?? null }));
await context.dispose();
await model.dispose();
await llama.dispose();
