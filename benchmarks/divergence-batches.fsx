// Times the divergence probe's start-policy pass (TemperedLogProbs.Sum over a probe's sampled answers) at several
// token budgets per pass, on one intra-op thread as a demo worker runs it (docs/benchmarks.md, "Seeds as worker processes").
// The answers are the demo's generation probe's (40 questions × 5 samples, temperature 0.7, up to 96 tokens) from the
// given checkpoint; the scoring model is that checkpoint too.
//
//   ./valuedrift demo --out runs/demo                                    # any finished run with a checkpoint
//   dotnet fsi benchmarks/divergence-batches.fsx runs/demo/stages/sft-supportive/checkpoints/step-120
//
// Prints each budget's seconds per pass (best and median of 5) and its largest difference from one pass of every row.
#r "../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/TorchSharp.dll"
#r "../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/ValueDrift.dll"
#r "../src/ValueDrift.Cli/bin/Release/net10.0/linux-x64/Microsoft.ML.Tokenizers.dll"
open System.Diagnostics
open TorchSharp
open ValueDrift.Models
open ValueDrift.Probes
open ValueDrift.Text
open ValueDrift.World

torch.set_num_threads 1
let checkpoint = fsi.CommandLineArgs.[1]
let tokenizer = TokenizerLoader.FromFolder checkpoint
let template = ChatTemplate.ForModelFolder(checkpoint, tokenizer)
let questions =
    WorldProbeQuestions.ForIds(WorldTopics.All |> Seq.map (fun t -> t.Id) |> Seq.truncate 4 |> Seq.toList, WorldProbeSplit.HeldOut, 10)
    |> Seq.map (fun p -> ProbeQuestion(p.Id, p.Topic, p.Question, p.Polarity)) |> Seq.toList
let options = GenerationProbeOptions(Samples = 5, Temperature = 0.7, MaxNewTokens = 96, BatchSize = 256, Seed = 1L)
let probe = GenerationProbe(ProbeSet(questions, "world probes"), tokenizer, template, WorldStanceJudge(), options)
let model = CausalLM.FromPretrained checkpoint
model.eval ()
let rows = probe.Sample model |> Seq.map (fun a -> struct (probe.PromptIds a.Question.Question, a.TokenIds)) |> Seq.toArray
let tokens = rows |> Array.sumBy (fun struct (p, a) -> p.Length + a.Length)
printfn "%s: %d answers, %d tokens with their prompts, 1 thread" checkpoint rows.Length tokens
let score budget =
    use _ = torch.no_grad ()
    TemperedLogProbs.Sum(model, rows, 0.7, rows.Length, tokenizer.PadId, maxBatchTokens = budget)
let whole = score System.Int32.MaxValue
for budget in [ 1024; 2048; TemperedLogProbs.MaxBatchTokens; 8192; 16384; System.Int32.MaxValue ] do
    let times =
        [ for _ in 1 .. 5 ->
            let watch = Stopwatch.StartNew()
            score budget |> ignore
            watch.Elapsed.TotalSeconds ] |> List.sort
    let diff = Array.map2 (fun (a: float) b -> abs (a - b)) (score budget) whole |> Array.max
    let name = if budget = System.Int32.MaxValue then "every row in one pass" else sprintf "%d tokens" budget
    printfn "%-22s best %.3f s  median %.3f s  largest difference %.1e nats" name times.Head times.[2] diff
