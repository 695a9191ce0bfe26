// ValueDriftFs: a thin F# layer over the library for scripts and F# notebook cells:
//
//   #load "ValueDriftFs.fsx"        (from notebooks/scripts; from a notebook: #load "scripts/ValueDriftFs.fsx")
//   open ValueDriftFs
//
// The C# API works from F# as it is; this file only smooths what reads awkwardly there: C# records cannot be copied
// with `with` from F# (the C# side offers With… methods), optional arguments and loggers, and Deedle summaries of a trace.
#r "../../artifacts/notebook/ValueDrift.Interactive.dll"
#r "../../artifacts/notebook/ValueDrift.dll"
#r "../../artifacts/notebook/ValueDrift.Reporting.dll"
#r "../../artifacts/notebook/Deedle.dll"
#r "../../artifacts/notebook/Microsoft.Extensions.Logging.Abstractions.dll"

open System
open Deedle
open ValueDrift.Common
open ValueDrift.Drift
open ValueDrift.Experiments
open ValueDrift.WorldRuns
open ValueDrift.Interactive
open ValueDrift.Reporting

// LibTorch's natives by absolute path before TorchSharp looks for them (see docs/notebooks.md), and the
// FSharp.Core redirect for Deedle inside a notebook kernel. Both are idempotent.
FSharpCoreRedirect.Install()
TorchNatives.Preload() |> ignore

/// The notebooks' default size (NotebookSizes.Small: the demo's base model and four topics, short stages), run in runFolder.
let smallOptions runFolder cacheRoot = NotebookSizes.Small(runFolder, cacheRoot)
/// The notebook size with the demo's cache ($VALUEDRIFT_CACHE, else ~/.cache/valuedrift).
let notebookOptions (runFolder: string) = NotebookSizes.Small(runFolder)

/// A copy of the options with other stage lengths (C#'s `with`, through WorldExperimentOptions.WithSteps).
let withSteps sft preference (o: WorldExperimentOptions) = o.WithSteps(sft, preference)

/// Starts a world session; progress lines go to `log`.
let start (log: string -> unit) (o: WorldExperimentOptions) = WorldSession.Start(o, false, LineLogger.To(Action<string> log))

/// Runs a world stage by name from a previous stage (None: the base model).
let run (session: WorldSession) (from: StageChange option) (stage: string) =
    session.Run(stage, Option.toObj from)

/// A trace file's drift table (every phase but the single-point "base").
let driftTable (tracePath: string) =
    Trajectory(Trajectory.FromTrace(tracePath).Records() |> Seq.filter (fun r -> r.Phase <> "base")) |> DriftTable.From

/// Mean probability of each stance per phase, over topics and probed steps: phases as rows, stances as columns.
let meanStanceByPhase (tracePath: string) : Frame<string, string> =
    DriftFrames.Stances(Trajectory.FromTrace tracePath)
    |> Frame.pivotTable (fun _ (r: ObjectSeries<string>) -> r.GetAs<string> "Phase")
                        (fun _ r -> r.GetAs<string> "Stance")
                        (fun f -> f?Probability |> Stats.mean)

/// The drift table as fixed-width lines (phase, topic, stance, start, end, magnitude, drift time).
let formatDriftTable (table: DriftTable) =
    let inv = Globalization.CultureInfo.InvariantCulture
    let f (v: float) = if Double.IsNaN v then "n/a" else v.ToString("0.000", inv)
    [ yield sprintf "%-24s %-14s %-8s %7s %7s %9s %10s" "phase" "topic" "stance" "start" "end" "magnitude" "drift time"
      for r in table.Rows ->
          sprintf "%-24s %-14s %-8s %7s %7s %9s %10s" r.Phase r.Topic (r.Stance.ToString().ToLowerInvariant())
              (f r.Start) (f r.End) (r.Magnitude.ToString("+0.000;-0.000;0.000", inv)) (f r.DriftTime) ]
