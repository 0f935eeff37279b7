"""Why a run ended without finishing, as the run's error says it (English; pages show it).

One place for every reason the engine gives, so a page or a test matches the same text.
"""

ABANDONED = (
    "Cancelled while queued: nobody had this lab open for {seconds:.0f} s, so its place went to "
    "runs someone is watching."
)
SERVER_RESTARTED = "The server restarted while this run was queued or training."
SERVER_SHUT_DOWN = "The server shut down during this run; the weights learned so far are kept."
WORKER_DIED = (
    "The training process stopped unexpectedly (exit code {code}). Your other runs are safe; "
    "press Train to try again."
)
MEMORY_EXCEEDED = (
    "This run used more than {used:,.0f} MB of memory (a run gets about {budget:,.0f} MB on this "
    "server), so it was stopped to keep the server and the other runs going. Use a smaller batch "
    "size or fewer units or filters."
)
MACHINE_LOST = (
    "The training machine {machine} stopped answering (no heartbeat for {seconds:.0f} s) while "
    "this run trained there. Your other runs are safe; press Train to try again."
)
UNREADABLE_SPEC = (
    "The training machine could not read this run's settings (it may run an older NN Lab); "
    "update NN Lab there, then press Train again."
)
QUEUE_LOST = (
    "This run's place in the job queue was lost (the queue was emptied); press Train again."
)
NO_MACHINE = (
    "No training machine is connected to the job queue, so nothing can train or load a model "
    "now. Start one (README: Add a training machine), or ask your teacher."
)
