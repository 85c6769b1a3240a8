//! The contract between the approaches' declarations and the Python driver: the kinds of step
//! the Python approaches declare ([`Runs::PYTHON`]) are exactly those the driver's request
//! parser accepts, so neither can learn a step the other does not know.

use std::collections::BTreeSet;

use super::DRIVER;
use super::session::encode_step;
use crate::plan::approaches::{Language, Runs, catalogue};
use crate::plan::workload::{Step, StepType};

/// One step of each kind, with its data made up.
fn example(t: StepType) -> Step {
    match t {
        StepType::Wait => Step::Wait(1),
        StepType::Divide => Step::Divide { from: 2, to: 3 },
        StepType::Connect => Step::Connect,
        StepType::Request => Step::Request {
            index: 0,
            wait_ns: 1,
        },
        StepType::Custom => Step::Custom,
        StepType::Call => Step::Call(crate::plan::workload::CallPart::Compute),
    }
}

/// The keys of the plan steps the driver's parser accepts: each `list(step) == ["KEY"]`.
fn driver_keys() -> BTreeSet<String> {
    const MARK: &str = "list(step) == [\"";
    DRIVER
        .match_indices(MARK)
        .map(|(i, _)| {
            let rest = &DRIVER[i + MARK.len()..];
            rest[..rest.find('"').expect("a closing quote")].to_string()
        })
        .collect()
}

#[test]
fn the_driver_accepts_exactly_the_steps_the_python_approaches_declare() {
    let declared: BTreeSet<String> = StepType::ALL
        .iter()
        .filter_map(|&t| {
            let encoded = encode_step(&example(t));
            assert_eq!(
                encoded.is_some(),
                Runs::PYTHON.steps.contains(&t),
                "{t:?}: encoded for the driver if and only if declared"
            );
            encoded
        })
        .map(|v| {
            let obj = v.as_object().expect("a step is a JSON object");
            assert_eq!(obj.len(), 1, "{v}");
            obj.keys().next().unwrap().clone()
        })
        .collect();
    let accepted = driver_keys();
    assert!(
        !accepted.is_empty(),
        "the driver's step parser was not found"
    );
    assert_eq!(declared, accepted);
}

#[test]
fn every_python_approach_declares_what_the_driver_runs() {
    for a in catalogue::ALL {
        if a.runs.language == Language::Python {
            assert_eq!(a.runs.steps, Runs::PYTHON.steps, "{}", a.id);
        }
    }
    assert!(
        catalogue::ALL
            .iter()
            .any(|a| a.runs.language == Language::Python)
    );
}
