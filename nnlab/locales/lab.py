"""Text for the student's lab, the training engine and the run store."""

TEXTS = {
    "lab.caption": ("Your lab: {short}…", "내 실험실: {short}…"),
    "lab.help": (
        "Your runs and models are kept in this lab, also after a reload or tomorrow: the "
        "address bar holds its id (share links never do). Bookmark it to come back from "
        "another browser.",
        "실행과 모델은 이 실험실에 보관됩니다. 새로고침하거나 내일 다시 와도 그대로입니다. "
        "주소창에 실험실 번호가 들어 있습니다(공유 링크에는 들어가지 않습니다). 다른 "
        "브라우저에서 다시 오려면 즐겨찾기에 추가하세요.",
    ),
    "lab.new": ("Start a new lab", "새 실험실 시작"),
    "lab.bad_link": (
        "The lab in this address is not a valid lab id, so your own lab is open instead.",
        "이 주소의 실험실 번호가 올바르지 않아 내 실험실을 대신 열었습니다.",
    ),
    "build.submit_failed": (
        "The run could not be queued: {error}",
        "실행을 대기열에 넣지 못했습니다: {error}",
    ),
    "build.queued_wait": (
        "Waiting for a free slot: number {position} in the queue ({running} training, "
        "{waiting} waiting on this server). Expected start in about {wait}.",
        "빈자리를 기다리는 중: 대기열 {position}번째입니다(이 서버에서 {running}개 학습 중, "
        "{waiting}개 대기 중). 약 {wait} 뒤에 시작할 것으로 예상합니다.",
    ),
    "build.status.model_dropped": (
        "weights freed (each lab keeps its newest models)",
        "가중치 해제됨 (실험실마다 최근 모델만 보관)",
    ),
    "models.missing": (
        "This run's model is no longer stored (each lab keeps its newest models). Train it "
        "again to use it here.",
        "이 실행의 모델은 더 이상 보관되어 있지 않습니다(실험실마다 최근 모델만 보관). "
        "여기서 쓰려면 다시 학습하세요.",
    ),
    "models.download_missing": (
        "No model file is stored for this choice.",
        "이 선택에 대해 보관된 모델 파일이 없습니다.",
    ),
    "store.fallback": ("Run store: {warning}", "실행 저장소 문제(영어 원문): {warning}"),
    "store.write_failed": (
        "Runs cannot be saved right now: {error}. Training goes on; results are kept in memory.",
        "지금은 실행을 저장할 수 없습니다: {error}. 학습은 계속되며 결과는 메모리에 보관됩니다.",
    ),
    "inside.keras_reference_only": (
        "Keras' own outputs are kept for the first 100 test images of the data set the model "
        "was trained on: pick one of those to see both side by side.",
        "Keras가 직접 계산한 출력은 모델을 학습한 데이터 세트의 처음 100개 테스트 "
        "이미지에 대해서만 보관됩니다. 그중 하나를 고르면 두 결과를 나란히 볼 수 있습니다.",
    ),
    "build.starting": (
        "Starting: a training process is getting ready for this run.",
        "시작하는 중: 학습 프로세스가 이 실행을 준비하고 있습니다.",
    ),
}
