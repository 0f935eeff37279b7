"""Text for steering a run: pause, resume, a new learning rate, more epochs."""

TEXTS = {
    "runs.pause": ("Pause", "일시 정지"),
    "runs.resume": ("Resume", "계속"),
    "runs.pausing": (
        "Pausing after the current batch…",
        "현재 배치를 마치고 일시 정지하는 중…",
    ),
    "runs.paused": (
        "Paused after epoch {epoch}, batch {batch}: the model and the optimizer wait as they "
        "are. Change the learning rate if you like, then resume.",
        "{epoch}번째 에포크, {batch}번째 배치 뒤에 일시 정지했습니다: 모델과 옵티마이저는 그대로 "
        "기다립니다. 원하면 학습률을 바꾼 뒤 계속하세요.",
    ),
    "runs.rate": ("Learning rate", "학습률"),
    "runs.rate_help": (
        "The optimizer uses the new rate from the next batch on; the curves mark where it "
        "changed. Between 0.000001 and 10.",
        "옵티마이저는 다음 배치부터 새 학습률을 씁니다. 곡선에 바뀐 곳이 표시됩니다. "
        "0.000001에서 10 사이.",
    ),
    "runs.rate_apply": ("Use this rate", "이 학습률 쓰기"),
    "runs.rate_sent": (
        "Learning rate {rate} from the next batch on.",
        "다음 배치부터 학습률 {rate}.",
    ),
    "runs.rate_changed": ("Learning rate changed", "학습률 변경"),
    "runs.more_epochs": ("More epochs", "추가 에포크"),
    "runs.continue": ("Continue training", "이어서 학습"),
    "runs.continue_help": (
        "Trains the same model for more epochs, from where it ended (weights and optimizer as "
        "they were): the curves go on. The same as having asked for more epochs at the start.",
        "같은 모델을 끝난 자리에서(가중치와 옵티마이저 그대로) 더 학습합니다: 곡선이 이어집니다. "
        "처음부터 에포크를 더 많이 정한 것과 같습니다.",
    ),
    "runs.continue_queued": (
        "{epochs} more epochs queued for this run.",
        "이 실행에 {epochs} 에포크를 더 예약했습니다.",
    ),
    "runs.not_now": ("Not possible now: {error}", "지금은 할 수 없습니다: {error}"),
}
