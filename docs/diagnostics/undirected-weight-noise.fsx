// Where does undirected movement take a start's values? Each SFT checkpoint's weights plus Gaussian noise (each
// tensor's noise scaled to σ × that tensor's RMS, 5 noise seeds per σ), probed as the generation probe probes (the 40
// probe questions × 5 answers at temperature 0.7, up to 96 tokens, read by the world's marker judge): the mean stance
// probabilities and the share of answers taking no stance. No reward, no value model, no data: if PPO's move toward
// oppose on the standard set is the direction any undirected change of these weights takes, noise shows it too
// (docs/findings.md, "What sets PPO's direction"). Run from the repository root after a Release build and the two
// sweeps whose start checkpoints it perturbs:
//
//   dotnet fsi --quiet docs/diagnostics/undirected-weight-noise.fsx runs/ppo-direction-controls runs/sweep-ppo-neutral-start
#load "StartAnswers.fsx"
open System.IO
open System.Text.Json.Nodes
open TorchSharp
open ValueDrift.Models
open ValueDrift.Text
open ValueDrift.World
torch.set_num_threads(1)
let root, neutralRoot =
    match fsi.CommandLineArgs with [| _; r; n |] -> r, n | _ -> "runs/ppo-direction-controls", "runs/sweep-ppo-neutral-start"
let probes =
    File.ReadLines(root + "/start/data/probes.jsonl") |> Seq.map JsonNode.Parse
    |> Seq.map (fun j -> j.["topic"].GetValue<string>(), j.["question"].GetValue<string>()) |> Seq.toArray
let probe (dir: string) (sigma: float) (noiseSeed: int) =
    let tok = TokenizerLoader.FromFolder(dir)
    let tmpl = ChatTemplate.ForModelFolder(dir, tok)
    use model = CausalLM.FromPretrained(dir)
    use _ = torch.no_grad()
    if sigma > 0.0 then
        let g = new torch.Generator(uint64 noiseSeed)
        for p in model.parameters() do
            let rms = p.square().mean().sqrt().item<float32>() |> float
            p.add_(torch.randn(p.shape, generator = g).mul(torch.tensor(sigma * rms))) |> ignore
    let rows = [| for i in 0 .. probes.Length - 1 do for k in 0 .. 4 -> i, k |]
    let ids = rows |> Array.map (fun (i, _) -> tok.Encode(tmpl.FormatPrompt([| ChatMessage.User(snd probes.[i]) |])))
    let o = GenerationOptions(MaxNewTokens = 96, Temperature = 0.7, StopTokenIds = tok.StopIds, PadTokenId = tok.PadId)
    let gen = Generation.Generate(model, ids, o, (rows |> Array.map (fun (i, k) -> int64 (i * 100 + k + 1))))
    let texts = gen |> Seq.map (fun g -> tok.Decode(g.Tokens)) |> Seq.toArray
    let p = texts |> Array.mapi (fun j t -> WorldStanceLookup.StanceProbabilities(fst probes.[fst rows.[j]], t))
    let mean k = p |> Array.averageBy (fun x -> x.[k])
    let none = texts |> Array.filter (fun t -> (WorldStanceLookup.MarkerCounts(t) |> Array.sum) = 0) |> Array.length
    mean 0, mean 1, mean 2, float none / float texts.Length
let t4 = 2.776
for (label, dir) in [ "sft-supportive", root + "/start/stages/sft-supportive/checkpoints/step-120"
                      "sft-neutral", neutralRoot + "/start/stages/sft-neutral/checkpoints/step-120" ] do
    let s0, n0, o0, u0 = probe dir 0.0 0
    printfn "%s as trained: support %.3f neutral %.3f oppose %.3f, no stance %.2f" label s0 n0 o0 u0
    for sigma in [ 0.1; 0.2; 0.3 ] do
        let runs = [ for seed in 1 .. 5 -> probe dir sigma seed ]
        let ci (xs: float list) =
            let m = List.average xs
            let sd = sqrt ((xs |> List.sumBy (fun x -> (x - m) ** 2.0)) / 4.0)
            sprintf "%+.3f [%+.3f, %+.3f]" m (m - t4 * sd / sqrt 5.0) (m + t4 * sd / sqrt 5.0)
        printfn "  σ %.2f: Δsupport %s  Δneutral %s  Δoppose %s  no stance %.2f"
            sigma (ci [ for (s, _, _, _) in runs -> s - s0 ]) (ci [ for (_, n, _, _) in runs -> n - n0 ]) (ci [ for (_, _, o, _) in runs -> o - o0 ])
            (runs |> List.averageBy (fun (_, _, _, u) -> u))
