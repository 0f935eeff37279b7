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
