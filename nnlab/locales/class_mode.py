"""Text of class mode: its errors, the teacher's class form and join card, the class board."""

TEXTS = {
    # --- class mode: errors of nnlab.classroom (ClassError keys) ---
    "class.error.bad_code": (
        "A class code has {length} letters and digits, like K7M2QX. Check it and try again.",
        "수업 코드는 K7M2QX처럼 글자와 숫자 {length}자입니다. 확인하고 다시 입력하세요.",
    ),
    "class.error.unknown_code": (
        "No class has the code {code}. Check it with your teacher.",
        "코드 {code}인 수업이 없습니다. 선생님께 코드를 확인하세요.",
    ),
    "class.error.expired": (
        "The class {code} has expired and its data was deleted. Ask your teacher for a new code.",
        "수업 {code}는 기한이 지나 데이터가 삭제되었습니다. 선생님께 새 코드를 받으세요.",
    ),
    "class.error.ended": (
        "The class {code} has ended: it takes no new students or drawings.",
        "수업 {code}는 끝났습니다. 새 학생이나 그림을 더 받지 않습니다.",
    ),
    "class.error.bad_key": (
        "This teacher link is not valid: no class has this key. Use the full link you got when "
        "you created the class.",
        "올바르지 않은 선생님 링크입니다. 이 키를 가진 수업이 없습니다. 수업을 만들 때 받은 "
        "링크 전체를 쓰세요.",
    ),
    "class.error.key_expired": (
        "This class has expired and its data was deleted. Create a new class on the Classroom "
        "page.",
        "이 수업은 기한이 지나 데이터가 삭제되었습니다. 교실 페이지에서 새 수업을 만드세요.",
    ),
    "class.error.name_length": (
        "Your name must be {min} to {max} characters long.",
        "이름은 {min}자에서 {max}자 사이여야 합니다.",
    ),
    "class.error.name_characters": (
        "Use letters, digits, spaces and - _ . ' in your name (not: {characters}).",
        "이름에는 글자, 숫자, 공백과 - _ . ' 만 쓰세요 (쓸 수 없는 문자: {characters}).",
    ),
    "class.error.full": (
        "This class is full ({capacity} students). Ask your teacher to make room.",
        "수업 정원({capacity}명)이 찼습니다. 선생님께 자리를 요청하세요.",
    ),
    "class.error.join_rate": (
        "Many students are joining right now. Wait a few seconds and try again.",
        "지금 많은 학생이 참여하고 있습니다. 몇 초 뒤에 다시 시도하세요.",
    ),
    "class.error.no_lab": (
        "Your lab could not be found; reload the page and try again.",
        "실험실을 찾을 수 없습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
    ),
    "class.error.class_name": (
        "Give the class a name of 1 to {max} characters.",
        "수업 이름을 1자에서 {max}자 사이로 정하세요.",
    ),
    "class.error.expiry": (
        "A class lasts more than 0 and at most {max} days.",
        "수업 기간은 0일보다 길고 {max}일 이하여야 합니다.",
    ),
    "class.error.capacity": (
        "A class holds 1 to {max} students.",
        "수업 정원은 1명에서 {max}명 사이입니다.",
    ),
    "class.error.challenge": (
        "There is no challenge called {challenge}.",
        "{challenge}라는 도전 과제는 없습니다.",
    ),
    "class.error.no_code": (
        "Could not find a free class code; try again.",
        "비어 있는 수업 코드를 찾지 못했습니다. 다시 시도하세요.",
    ),
    "class.error.no_class": (
        "This class no longer exists.",
        "이 수업은 더 이상 없습니다.",
    ),
    "class.error.not_member": (
        "Join the class first: only its students add to its handwriting set.",
        "먼저 수업에 참여하세요. 수업 학생만 손글씨 모음에 추가할 수 있습니다.",
    ),
    "class.error.bad_label": (
        "The label must be a digit from 0 to {max}.",
        "레이블은 0부터 {max}까지의 숫자여야 합니다.",
    ),
    "class.error.bad_image": (
        "A drawing must be a {side}x{side} image.",
        "그림은 {side}x{side} 이미지여야 합니다.",
    ),
    "class.error.class_drawings_full": (
        "The class set is full ({cap} drawings).",
        "수업 손글씨 모음이 가득 찼습니다 (그림 {cap}개).",
    ),
    "class.error.my_drawings_full": (
        "You have added {cap} drawings, the most one student may add.",
        "그림을 {cap}개 추가했습니다. 학생 한 명이 추가할 수 있는 최대 개수입니다.",
    ),
    "class.error.drawing_rate": (
        "You are adding drawings very fast. Wait a minute and try again.",
        "그림을 너무 빨리 추가하고 있습니다. 1분 뒤에 다시 시도하세요.",
    ),
    "nav.class_board": ("Class board", "수업 보드"),
    "home.page.class_board": (
        "For teachers: a class's runs live, its curves and leaderboard, on a projector. Opens "
        "with the teacher link from Classroom.",
        "선생님용: 수업 학생들의 학습을 실시간으로, 곡선과 순위표와 함께 프로젝터에 띄웁니다. "
        "교실 페이지에서 받은 선생님 링크로 열립니다.",
    ),
    # --- class mode for teachers: the Classroom page's class form and join card ---
    "classroom.tab.class": ("Class mode", "수업 모드"),
    "classroom.teacher.class": ("The class's current settings", "수업의 현재 설정"),
    "teach.create_intro": (
        "Open a class: students join with a short code (or a QR code) and a display name, no "
        "account. Their runs appear live on your class board, with a leaderboard. Locked "
        "settings stay fixed for every student, whatever they click.",
        "수업을 엽니다. 학생은 짧은 코드(또는 QR 코드)와 표시 이름만으로 계정 없이 참여합니다. "
        "학생들의 학습이 수업 보드에 실시간으로 순위표와 함께 나타납니다. 잠근 설정은 학생이 "
        "무엇을 눌러도 바뀌지 않습니다.",
    ),
    "teach.create_title": ("For teachers: open a class", "선생님용: 수업 열기"),
    "teach.name": ("Class name", "수업 이름"),
    "teach.challenge": ("Challenge for the leaderboard", "순위표의 도전 과제"),
    "teach.no_challenge": ("None: rank by test accuracy", "없음: 테스트 정확도로 순위"),
    "teach.expiry_days": (
        "Days until the class and its data are deleted",
        "수업과 데이터 삭제까지 일수",
    ),
    "teach.expiry_help": (
        "Students' display names, the class's drawings and the class itself are deleted then.",
        "그때 학생 표시 이름, 수업 손글씨 모음과 수업 자체가 삭제됩니다.",
    ),
    "teach.capacity": ("Most students", "최대 학생 수"),
    "teach.create": ("Create the class", "수업 만들기"),
    "teach.created": ("The class **{name}** is open.", "수업 **{name}**이(가) 열렸습니다."),
    "teach.join_code": ("Class code", "수업 코드"),
    "teach.join_link": ("Join link", "참여 링크"),
    "teach.qr_caption": ("Scan to join", "스캔해서 참여"),
    "teach.teacher_link": (
        "Your teacher link (opens the class board)",
        "선생님 링크 (수업 보드 열기)",
    ),
    "teach.teacher_link_private": (
        "Keep this link private: anyone with it can manage the class. It is shown only here; "
        "bookmark it or copy it somewhere safe.",
        "이 링크는 비공개로 두세요. 링크가 있으면 누구나 수업을 관리할 수 있습니다. 여기에서만 "
        "보이니 즐겨찾기에 넣거나 안전한 곳에 복사해 두세요.",
    ),
    "teach.open_board": ("Open the class board", "수업 보드 열기"),
    "teach.another": ("Create another class", "다른 수업 만들기"),
    # --- the class board ---
    "board.no_key": (
        "The class board opens with the teacher link you got when you created a class on the "
        "Classroom page. Paste that link here, or create a class.",
        "수업 보드는 교실 페이지에서 수업을 만들 때 받은 선생님 링크로 열립니다. 그 링크를 "
        "여기에 붙여 넣거나 수업을 만드세요.",
    ),
    "board.paste_key": ("Teacher link", "선생님 링크"),
    "board.paste_no_key": (
        "That link holds no class key (class_key=...). Paste the whole teacher link.",
        "이 링크에는 수업 키(class_key=...)가 없습니다. 선생님 링크 전체를 붙여 넣으세요.",
    ),
    "board.go_classroom": ("Create a class on the Classroom page", "교실 페이지에서 수업 만들기"),
    "board.look": ("Look", "화면"),
    "board.look.light": ("Light", "밝게"),
    "board.look.dark": ("Dark", "어둡게"),
    "board.subtitle": (
        "Join with code **{code}** · step {step} · up to {capacity} students · deleted in "
        "{days} days",
        "코드 **{code}**로 참여 · {step}단계 · 최대 {capacity}명 · {days}일 뒤 삭제",
    ),
    "board.ended_note": (
        "This class has ended: no new students or drawings. The board and the results stay "
        "until the class is deleted.",
        "이 수업은 끝났습니다. 새 학생이나 그림을 받지 않습니다. 보드와 결과는 수업이 삭제될 "
        "때까지 남습니다.",
    ),
    "board.read_failed": (
        "The board could not be read just now ({error}); it tries again in a few seconds.",
        "지금은 보드를 읽지 못했습니다 ({error}). 몇 초 뒤에 다시 시도합니다.",
    ),
    "board.students": ("students", "명 참여"),
    "board.students_one": ("student", "명 참여"),  # "1 student", not "1 students"
    "board.training": ("training", "개 학습 중"),
    "board.queued": ("waiting", "개 대기"),
    "board.finished": ("done", "개 완료"),
    "board.val_accuracy": ("Validation accuracy", "검증 정확도"),
    "board.curves_title": ("The class's validation curves", "수업의 검증 정확도 곡선"),
    "board.accuracy": ("Accuracy", "정확도"),
    "board.epoch": ("Epoch", "에포크"),
    "board.student": ("Student", "학생"),
    "board.run": ("Run", "실행"),
    "board.status": ("Status", "상태"),
    "board.machine": ("Machine", "컴퓨터"),
    "board.machines_one": (
        "Training on {name} with {workers}.",
        "{name}에서 {workers}로 학습합니다.",
    ),
    "board.machines_many": (
        "Training on {machines} machines with {workers} in all: {names}.",
        "컴퓨터 {machines}대에서 모두 {workers}로 학습합니다: {names}.",
    ),
    "board.workers_one": ("1 worker", "워커 1개"),
    "board.workers": ("{count} workers", "워커 {count}개"),
    "board.no_machines": (
        "No training machine is connected: queued runs wait until one joins.",
        "연결된 학습용 컴퓨터가 없습니다. 컴퓨터가 연결될 때까지 실행이 대기합니다.",
    ),
    "board.current_accuracy": ("Accuracy now", "현재 정확도"),
    "board.test_accuracy": ("Test accuracy", "테스트 정확도"),
    "board.rank": ("#", "순위"),
    "board.settings": ("Settings", "설정"),
    "board.goal": ("Goal {target}", "목표 {target}"),
    "board.leaderboard": ("Leaderboard: best test accuracy", "순위표: 최고 테스트 정확도"),
    "board.leaderboard_challenge": ("Leaderboard: {title}", "순위표: {title}"),
    "board.no_leaders": (
        "The leaderboard fills as runs finish.",
        "학습이 끝나는 대로 순위표가 채워집니다.",
    ),
    "board.no_curves": (
        "Curves appear here after the first epoch of a student's run.",
        "학생의 첫 에포크가 끝나면 여기에 곡선이 나타납니다.",
    ),
    "board.open_entry": ("Open an entry", "항목 열기"),
    "board.runs_title": ("Every run", "모든 실행"),
    "board.no_run_yet": ("No run yet: {names}", "아직 실행 없음: {names}"),
    "board.no_students": (
        'No student has joined yet: project the code or the QR code (tab "Join" below).',
        '아직 참여한 학생이 없습니다. 코드나 QR 코드를 화면에 띄우세요 (아래 "참여" 탭).',
    ),
    "board.status.queued": ("waiting", "대기 중"),
    "board.status.running": ("training", "학습 중"),
    "board.status.finished": ("finished", "완료"),
    "board.status.stopped": ("stopped", "중지됨"),
    "board.status.failed": ("failed", "실패"),
    "board.detail_title": ("One run in detail", "실행 하나 자세히 보기"),
    "board.detail_pick": ("Run", "실행"),
    "board.train": ("training", "훈련"),
    "board.validation": ("validation", "검증"),
    "board.detail_training": (
        "Still training: its confusion matrix comes when it ends.",
        "아직 학습 중입니다. 끝나면 오차 행렬이 나옵니다.",
    ),
    "board.no_model": (
        "This run kept no trained model, so there is no confusion matrix.",
        "이 실행은 학습된 모델을 남기지 않아 오차 행렬이 없습니다.",
    ),
    "board.evaluating": ("Scoring the test images...", "테스트 이미지로 채점하는 중..."),
    "board.detail_failed": (
        "This run could not be scored: {error}",
        "이 실행을 채점하지 못했습니다: {error}",
    ),
    "board.detail_test": (
        "Test accuracy **{accuracy}** on {count} test images.",
        "테스트 이미지 {count}장에서 테스트 정확도 **{accuracy}**.",
    ),
    "board.detail_ours": (
        "On our class's handwriting: **{accuracy}** ({count} drawings).",
        "우리 반 손글씨에서: **{accuracy}** (그림 {count}개).",
    ),
    "board.true_class": ("True class", "실제 클래스"),
    "board.predicted_class": ("Predicted class", "예측 클래스"),
    "board.tab.step": ("New step", "새 단계"),
    "board.tab.drawings": ("Class handwriting", "수업 손글씨"),
    "board.tab.results": ("Results", "결과"),
    "board.tab.join": ("Join", "참여"),
    "board.tab.end": ("End the class", "수업 끝내기"),
    "board.push_intro": (
        "The class is at step {step}. Push settings and locks to every student: their Build & "
        "Train page loads them.",
        "지금 수업은 {step}단계입니다. 설정과 잠금을 모든 학생에게 보냅니다. 학생의 만들고 "
        "학습하기 페이지가 이를 불러옵니다.",
    ),
    "board.push": ("Push to every student", "모든 학생에게 보내기"),
    "board.pushed": ("Step {step} sent to the class.", "{step}단계를 수업에 보냈습니다."),
    "board.no_drawings": (
        "No drawings yet: students add theirs on the Draw page.",
        "아직 그림이 없습니다. 학생은 그려 보기 페이지에서 그림을 추가합니다.",
    ),
    "board.drawings_count": ("{count} drawings", "그림 {count}개"),
    "board.drawings_page": ("Page", "페이지"),
    "board.delete": ("Delete", "삭제"),
    "board.deleted": ("Drawing deleted.", "그림을 삭제했습니다."),
    "board.results_intro": (
        "One row per run: student, status, figures and every setting.",
        "실행마다 한 줄: 학생, 상태, 결과 수치와 모든 설정.",
    ),
    "board.download_csv": ("Download results (CSV)", "결과 내려받기 (CSV)"),
    "board.end_intro": (
        "Ending the class stops new joins and drawings and frees the students' settings. The "
        "board and the results stay until the class is deleted.",
        "수업을 끝내면 새 참여와 그림 추가가 멈추고 학생 설정 잠금이 풀립니다. 보드와 결과는 "
        "수업이 삭제될 때까지 남습니다.",
    ),
    "board.end_confirm": ("Yes, end this class", "네, 이 수업을 끝냅니다"),
    "board.end": ("End the class", "수업 끝내기"),
}
