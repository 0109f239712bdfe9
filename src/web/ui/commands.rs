//! Commands the page sends to a lab: "restore this entry of the history", "set up this link",
//! "press Run" (a link's Run here). They wait in a queue the page provides as a context, and the
//! lab takes its own from it after it renders ([`use_lab_commands`]), so a lab drawn later (the
//! page builds its sections one per frame) still gets what was sent before it was there, and a
//! command is carried out with the lab's current state.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::engine::cpu_settings::CpuSettings;
use crate::engine::experiment::Report;
use crate::engine::io::settings::IoSettings;
use crate::engine::io::IoRun;
use crate::engine::python::measured::PythonRun;
use crate::engine::python::settings::PythonSettings;
use crate::web::client::shared_engine::Holder;

/// What the page asks of a lab.
pub enum LabCommand {
    /// Show these settings and results (from the history; a link's with no results).
    RestoreCpu {
        settings: Box<CpuSettings>,
        report: Report,
    },
    RestoreIo {
        settings: Box<IoSettings>,
        runs: Vec<IoRun>,
    },
    RestorePython {
        settings: Box<PythonSettings>,
        run: Box<PythonRun>,
    },
    /// Press Run; `answer` is told whether a run started, or why not.
    Run {
        answer: Callback<Result<(), String>>,
    },
}

/// The queue, and how many commands have been sent (a lab looks when it changes).
#[derive(Clone)]
pub struct LabCommands {
    queue: Rc<RefCell<Vec<(Holder, LabCommand)>>>,
    sent: usize,
}

impl PartialEq for LabCommands {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.queue, &other.queue) && self.sent == other.sent
    }
}

impl LabCommands {
    /// The commands for `holder`, taken out of the queue.
    fn take_for(&self, holder: Holder) -> Vec<LabCommand> {
        let mut queue = self.queue.borrow_mut();
        let (mine, others) = std::mem::take(&mut *queue)
            .into_iter()
            .partition(|(to, _)| *to == holder);
        *queue = others;
        mine.into_iter().map(|(_, command)| command).collect()
    }
}

/// The page's side: the context to provide, and how to send a command to a lab.
#[hook]
pub fn use_command_queue() -> (LabCommands, Callback<(Holder, LabCommand)>) {
    let queue = (*use_memo((), |_| Rc::new(RefCell::new(Vec::new())))).clone();
    let sent = use_reducer(Sent::default);
    let send = {
        let (queue, bump) = (Rc::clone(&queue), sent.dispatcher());
        Callback::from(move |(to, command): (Holder, LabCommand)| {
            queue.borrow_mut().push((to, command));
            bump.dispatch(());
        })
    };
    let commands = LabCommands {
        queue,
        sent: sent.0,
    };
    (commands, send)
}

#[derive(Default, PartialEq)]
struct Sent(usize);

impl Reducible for Sent {
    type Action = ();
    fn reduce(self: Rc<Self>, (): ()) -> Rc<Self> {
        Rc::new(Sent(self.0 + 1))
    }
}

/// The lab's side: `handle` is given each command sent to `holder`, after the lab renders.
#[hook]
pub fn use_lab_commands(holder: Holder, handle: Callback<LabCommand>) {
    let commands = use_context::<LabCommands>().expect("the page provides the command queue");
    use_effect_with(commands.sent, move |_| {
        for command in commands.take_for(holder) {
            handle.emit(command);
        }
    });
}
