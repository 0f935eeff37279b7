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
    "config.problems": (
        "Some of this server's settings were not used, so their defaults apply: {problems}",
        "이 서버의 설정 일부를 쓸 수 없어 기본값을 씁니다(영어 원문): {problems}",
    ),
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
    # --- class mode, the student's side (pages/classroom/join.py and handwriting.py) ---
    "member.join_title": ("Join a class", "수업 참여하기"),
    "member.join_intro": (
        "You are joining **{title}** (students so far: {members}). Pick the name the class "
        "board will show.",
        "**{title}** 수업에 참여합니다(지금까지 학생 {members}명). 수업 보드에 보일 이름을 "
        "정하세요.",
    ),
    "member.code": ("Class code", "수업 코드"),
    "member.name": ("Your name on the class board", "수업 보드에 보일 내 이름"),
    "member.name_help": (
        "1 to 24 letters, digits, spaces, - _ . or '. No email, no account: the teacher sees "
        "only this name. If someone already has it, yours gets a number (Mina 2).",
        "글자, 숫자, 공백, - _ . ' 로 1~24자. 이메일도 계정도 필요 없습니다. 선생님은 이 이름만 "
        "봅니다. 같은 이름이 이미 있으면 뒤에 번호가 붙습니다(민준 2).",
    ),
    "member.name_placeholder": ("e.g. Mina", "예: 민준"),
    "member.join": ("Join", "참여"),
    "member.try_code": (
        "Check the code on the board and type it here.",
        "칠판의 코드를 확인하고 여기에 입력하세요.",
    ),
    "member.already": (
        "You are already in **{title}** as {name}.",
        "이미 **{title}** 수업에 {name}(으)로 참여하고 있습니다.",
    ),
    "member.open_build": ("Open Build & Train", "만들고 학습하기 열기"),
    "member.looks_full": (
        "This class looks full ({capacity} students): joining may be refused.",
        "이 수업은 꽉 찬 것 같습니다(학생 {capacity}명). 참여가 거절될 수 있습니다.",
    ),
    "member.privacy": (
        "The class keeps your name, your runs and the drawings you add until it expires "
        "(7 days unless the teacher chose otherwise); then they are deleted.",
        "수업은 만료될 때까지(선생님이 따로 정하지 않으면 7일) 이름, 실행, 추가한 그림을 "
        "보관하고, 그 뒤에 삭제합니다.",
    ),
    "member.no_store": (
        "Classes need the run store, which is not available here.",
        "수업에는 실행 저장소가 필요한데 여기서는 쓸 수 없습니다.",
    ),
    "member.join_failed": (
        "Could not join the class: {error}",
        "수업에 참여하지 못했습니다: {error}",
    ),
    "member.joined": (
        "Welcome, {name}: you joined {title}. The class's settings are loaded.",
        "{name}님, 환영합니다. {title} 수업에 참여했습니다. 수업 설정을 불러왔습니다.",
    ),
    "member.joined_renamed": (
        'Welcome: you joined {title}. "{typed}" was taken, so the board shows you as {name}.',
        '환영합니다. {title} 수업에 참여했습니다. "{typed}"은(는) 이미 있어서 보드에는 '
        "{name}(으)로 보입니다.",
    ),
    "member.new_step": (
        "Your teacher sent step {step}: its settings are loaded.",
        "선생님이 {step}단계를 보냈습니다. 새 설정을 불러왔습니다.",
    ),
    "member.box_title": ("Join a class", "수업 참여하기"),
    "member.box_help": (
        "Got a code from your teacher? Type it with the name the class board should show.",
        "선생님께 받은 코드가 있나요? 수업 보드에 보일 이름과 함께 입력하세요.",
    ),
    "member.in_class": (
        "You are in {title} as {name}.",
        "{title} 수업에 {name}(으)로 참여하고 있습니다.",
    ),
    "member.banner": (
        ":material/school: **{title}** · step {step} · you are **{name}**",
        ":material/school: **{title}** · {step}단계 · 내 이름 **{name}**",
    ),
    "member.banner_locks": (
        ":material/lock: Locked by the class: {locked}. Hidden: {hidden}.",
        ":material/lock: 수업이 고정한 설정: {locked}. 숨긴 설정: {hidden}.",
    ),
    "member.ended": (
        "The teacher ended this class: your settings are free again.",
        "선생님이 수업을 끝냈습니다. 이제 설정을 자유롭게 바꿀 수 있습니다.",
    ),
    "member.challenge": ("The class's challenge: {title}", "수업 도전 과제: {title}"),
    "member.nothing": ("none", "없음"),
    "member.locked_note": ("Locked by the class", "수업이 고정한 설정"),
    "member.leave": ("Leave class", "수업 나가기"),
    "member.leave_confirm": (
        "Leave **{title}**? Your runs stay in your lab; the teacher's locks no longer apply.",
        "**{title}** 수업에서 나갈까요? 실행은 내 실험실에 남고, 선생님의 고정 설정은 더 이상 "
        "적용되지 않습니다.",
    ),
    "member.leave_button": ("Leave", "나가기"),
    "member.left": ("You left {title}.", "{title} 수업에서 나왔습니다."),
    # --- the class's handwriting (pages/classroom/handwriting.py) ---
    "classset.add_title": ("Add to {title}'s handwriting", "{title} 손글씨 모음에 추가"),
    "classset.closed": (
        "This class has ended: its handwriting set takes no more drawings.",
        "이 수업은 끝나서 손글씨 모음에 더 이상 그림을 추가할 수 없습니다.",
    ),
    "classset.label": ("Digit", "숫자"),
    "classset.label_help": (
        "Prefilled with the model's answer: change it if the model got it wrong. The class's "
        "models are tested and fine-tuned on these labels.",
        "모델의 답으로 미리 채워져 있습니다. 틀렸다면 바꾸세요. 수업의 모델은 이 정답으로 "
        "시험하고 미세 조정합니다.",
    ),
    "classset.pick_label": ("Pick the digit you drew", "그린 숫자를 고르세요"),
    "classset.add": ("Add to the class set", "수업 모음에 추가"),
    "classset.added": (
        "Added to the class set as a {label}.",
        "수업 모음에 {label}(으)로 추가했습니다.",
    ),
    "classset.undo": ("Take it back", "되돌리기"),
    "classset.counts": (
        "Drawings in the class set: {total} ({mine} of them yours; at most {cap} each).",
        "수업 모음의 그림: {total}개 (그중 내 것 {mine}개, 한 사람당 최대 {cap}개).",
    ),
    "classset.add_failed": (
        "The drawing could not be added: {error}",
        "그림을 추가하지 못했습니다: {error}",
    ),
    "classset.title": ("{title}'s handwriting", "{title} 손글씨"),
    "classset.not_digits": (
        "This model reads clothing, not digits: the class's handwriting is digits.",
        "이 모델은 숫자가 아니라 옷을 읽습니다. 수업 손글씨는 숫자입니다.",
    ),
    "classset.empty": (
        "The class has no drawings yet. Draw digits on the Draw page and add them to the class "
        "set: then every model is tested on your class's own handwriting here.",
        "수업에 아직 그림이 없습니다. 그리기 페이지에서 숫자를 그려 수업 모음에 추가하면, "
        "여기서 모든 모델을 우리 반 손글씨로 시험합니다.",
    ),
    "classset.go_draw": ("Draw digits", "숫자 그리기"),
    "classset.accuracy": ("Accuracy on our handwriting", "우리 반 손글씨 정확도"),
    "classset.mnist_accuracy": ("MNIST test accuracy", "MNIST 테스트 정확도"),
    "classset.drawings": ("Class drawings", "수업 그림 수"),
    "classset.tune_title": ("Fine-tune on our handwriting", "우리 반 손글씨로 미세 조정"),
    "classset.tune_help": (
        "A short run (2 epochs) that starts from this model's weights and trains on the class's "
        "drawings, repeated, plus 2,000 MNIST images so it keeps what it knew. Then compare "
        "before and after.",
        "이 모델의 가중치에서 시작해 수업 그림(여러 번 반복)과 MNIST 이미지 2,000개로 짧게 "
        "(2 에포크) 학습합니다. 원래 알던 것을 잊지 않게 하기 위해서입니다. 그 뒤 전후를 "
        "비교하세요.",
    ),
    "classset.tune_needs_run": (
        "Pick a model you trained in this lab to fine-tune it.",
        "미세 조정하려면 이 실험실에서 학습한 모델을 고르세요.",
    ),
    "classset.tune": ("Fine-tune this model", "이 모델 미세 조정"),
    "classset.tuned_label": ("Fine-tuned · {label}", "미세 조정 · {label}"),
    "classset.tuning": (
        "Fine-tuning: epoch {epoch} of {epochs}…",
        "미세 조정 중: {epochs} 에포크 중 {epoch}…",
    ),
    "classset.tune_failed": (
        "Fine-tuning did not work: {error}",
        "미세 조정에 실패했습니다: {error}",
    ),
    "classset.model": ("Model", "모델"),
    "classset.before": ("Before (the model you picked)", "전 (고른 모델)"),
    "classset.after": ("After fine-tuning", "미세 조정 후"),
    "classset.error.not_digits": (
        "Only a model of handwritten digits can be fine-tuned on the class's handwriting.",
        "손글씨 숫자 모델만 수업 손글씨로 미세 조정할 수 있습니다.",
    ),
    "classset.error.empty": (
        "The class set has no drawings yet: add some on the Draw page first.",
        "수업 모음에 아직 그림이 없습니다. 먼저 그리기 페이지에서 추가하세요.",
    ),
}
