"""Text of the Classroom area: share links, teacher exercises, the code export, challenges."""

TEXTS = {
    # --- comments inside the exported Keras script (nnlab.core.codegen) ---
    "code.docstring": (
        "Train a neural network on {dataset}: {architecture}. Exported from NN Lab.",
        "{dataset}로 신경망을 학습합니다: {architecture}. NN Lab에서 내보낸 코드입니다.",
    ),
    "code.how_to_run": ("How to run it:", "실행 방법:"),
    "code.tiny_hint": (
        "To try it in seconds (500 images, one epoch):",
        "몇 초 만에 시험해 보려면 (이미지 500장, 에포크 1번):",
    ),
    "code.settings": (
        "Settings chosen in NN Lab",
        "NN Lab에서 고른 설정",
    ),
    "code.train_size": (
        "use only this many training images (faster)",
        "이만큼의 훈련 이미지만 사용합니다 (더 빠름)",
    ),
    "code.tiny": (
        "NNLAB_TINY=1 shrinks the run to a quick check",
        "NNLAB_TINY=1이면 빠르게 확인만 하도록 학습을 줄입니다",
    ),
    "code.seed": (
        "Fix the random seed: the same shuffling and dropout on every run",
        "난수 시드를 고정합니다: 실행할 때마다 같은 순서로 섞고 같은 드롭아웃을 씁니다",
    ),
    "code.load": (
        "1. Load {dataset}: 28x28 grey images as uint8 (0-255) and labels 0-9",
        "1. {dataset} 불러오기: 28x28 흑백 이미지(uint8, 0-255)와 0-9 레이블",
    ),
    "code.subset": (
        "A random subset of the training images, the same one NN Lab picks",
        "훈련 이미지 중 무작위 일부를 고릅니다 (NN Lab과 같은 이미지)",
    ),
    "code.one_hot": (
        "{loss} compares the output with one-hot vectors: 3 -> [0,0,0,1,0,0,0,0,0,0]",
        "{loss}는 출력을 원-핫 벡터와 비교합니다: 3 -> [0,0,0,1,0,0,0,0,0,0]",
    ),
    "code.build": (
        "2. Build the network, layer by layer",
        "2. 신경망을 층별로 만들기",
    ),
    "code.rescaling": (
        "Rescaling turns pixels 0-255 into 0-1 inside the model, so the data stays uint8; "
        "seeded initial weights give the same start as NN Lab",
        "Rescaling 층이 모델 안에서 픽셀 0-255를 0-1로 바꾸므로 데이터는 uint8로 둡니다. "
        "시드를 준 초기 가중치는 NN Lab과 같은 출발점입니다",
    ),
    "code.compile": (
        "3. Choose how it learns: optimizer, loss and the metric to report",
        "3. 학습 방법 정하기: 옵티마이저, 손실 함수, 보고할 지표",
    ),
    "code.early_stopping": (
        "Stop when the validation loss has not improved for {patience} epochs",
        "검증 손실이 {patience} 에포크 동안 나아지지 않으면 학습을 멈춥니다",
    ),
    "code.validation_test": (
        "Validate on the test set after every epoch, as tutorial 002 does",
        "튜토리얼 002처럼 에포크마다 테스트 세트로 검증합니다",
    ),
    "code.validation_split": (
        "Hold out the last part of the training images for validation, as tutorial 004 does",
        "튜토리얼 004처럼 훈련 이미지의 마지막 일부를 검증용으로 떼어 둡니다",
    ),
    "code.fit": ("4. Train", "4. 학습하기"),
    "code.evaluate": (
        "5. Evaluate on the test images the network has never trained on",
        "5. 신경망이 학습에 쓰지 않은 테스트 이미지로 평가하기",
    ),
    "code.plot": (
        "6. Plot the loss and accuracy curves, training against validation",
        "6. 손실과 정확도 곡선 그리기 (훈련 대 검증)",
    ),
    # --- the code export widget (pages/classroom/share.py) ---
    "code.show": ("Show code", "코드 보기"),
    "code.explain": (
        "A Python script that trains this same network with Keras: same layers, same starting "
        "weights, same settings. Run it in a notebook or with `python`.",
        "같은 신경망을 Keras로 학습하는 파이썬 스크립트입니다. 층, 초기 가중치, 설정이 모두 "
        "같습니다. 노트북에서 실행하거나 `python` 명령으로 실행해 보세요.",
    ),
    "code.download": ("Download the .py file", ".py 파일 내려받기"),
    # --- share links (pages/classroom/share.py) ---
    "share.title": ("Share these settings", "이 설정 공유하기"),
    "share.explain": (
        "This link opens NN Lab with exactly these settings. Copy it with the copy button at "
        "the top right of the box.",
        "이 링크를 열면 NN Lab이 지금과 똑같은 설정으로 열립니다. 상자 오른쪽 위의 복사 "
        "버튼으로 복사하세요.",
    ),
    "share.locks_kept": (
        "The link keeps the exercise's locked and hidden settings.",
        "이 링크에는 실습의 잠긴 설정과 숨긴 설정도 그대로 담깁니다.",
    ),
    "share.notices_title": (
        "Some parts of the link could not be used:",
        "링크의 일부를 사용할 수 없었습니다:",
    ),
    "share.notice.unknown_param": (
        "The link's setting “{param}” is unknown and was ignored.",
        "링크의 설정 “{param}”은(는) 알 수 없는 설정이라 무시했습니다.",
    ),
    "share.notice.bad_value": (
        "The link's value {param}={value} cannot be used, so {param} is {fallback}.",
        "링크의 값 {param}={value}은(는) 쓸 수 없어서 {param}을(를) {fallback}(으)로 두었습니다.",
    ),
    "share.notice.unknown_preset": (
        "The link names a preset “{value}” that does not exist; starting from the default "
        "settings.",
        "링크에 적힌 프리셋 “{value}”이(가) 없어서 기본 설정에서 시작합니다.",
    ),
    "share.notice.unknown_field": (
        "The link asks to lock or hide “{value}”, which is not a setting; ignored.",
        "링크가 잠그거나 숨기라고 한 “{value}”은(는) 설정 이름이 아니라서 무시했습니다.",
    ),
    "share.notice.bad_language": (
        "The link's language “{value}” is not available; using English.",
        "링크의 언어 “{value}”은(는) 지원하지 않아 영어로 표시합니다.",
    ),
    "share.locked_note": (
        "Locked by the exercise link",
        "실습 링크가 고정한 설정",
    ),
    # --- names of the settings (teacher form, challenge messages) ---
    "field.dataset": ("Data set", "데이터셋"),
    "field.train_size": ("Training-set size", "훈련 세트 크기"),
    "field.validation": ("Validation", "검증 방식"),
    "field.validation_split": ("Validation split", "검증 비율"),
    "field.hidden_layers": ("Hidden layers (units, activations)", "은닉층 (유닛 수, 활성화 함수)"),
    "field.dropout_rate": ("Dropout rate", "드롭아웃 비율"),
    "field.l2_weight_decay": ("L2 weight decay", "L2 가중치 감쇠"),
    "field.output_activation": ("Output activation", "출력층 활성화 함수"),
    "field.loss": ("Loss", "손실 함수"),
    "field.optimizer": ("Optimizer", "옵티마이저"),
    "field.learning_rate": ("Learning rate", "학습률"),
    "field.momentum": ("Momentum", "모멘텀"),
    "field.nesterov": ("Nesterov momentum", "네스테로프 모멘텀"),
    "field.epochs": ("Epochs", "에포크 수"),
    "field.batch_size": ("Batch size", "배치 크기"),
    "field.early_stopping_patience": ("Early-stopping patience", "조기 종료 참을성"),
    "field.restore_best_weights": ("Restore best weights", "가장 좋은 가중치 복원"),
    "field.seed": ("Random seed", "난수 시드"),
    # --- the Classroom page ---
    "classroom.title": ("Classroom", "교실"),
    "classroom.intro": (
        "Challenges that check themselves against your runs, exercise links for a class, and "
        "what each setting means.",
        "내 학습 결과로 스스로 채점되는 도전 과제, 수업용 실습 링크, 그리고 각 설정의 뜻을 "
        "모았습니다.",
    ),
    "classroom.tab.challenges": ("Challenges", "도전 과제"),
    "classroom.tab.teacher": ("For teachers: exercise links", "교사용: 실습 링크"),
    "classroom.tab.glossary": ("What the settings mean", "설정 용어 풀이"),
    "classroom.done_count": (
        "{done} of {total} challenges done",
        "도전 과제 {total}개 중 {done}개 완료",
    ),
    "classroom.start": ("Start this challenge", "이 도전 시작하기"),
    "classroom.best_run": ("Best run so far: {label}", "지금까지 가장 좋은 실행: {label}"),
    "classroom.test_accuracy_note": (
        "Test accuracy: the validation accuracy when the run validates on the test set, "
        "otherwise measured on the test set when the run ends.",
        "테스트 정확도: 테스트 세트로 검증한 실행은 마지막 검증 정확도를, 그렇지 않은 실행은 "
        "학습이 끝난 뒤 테스트 세트로 잰 정확도를 씁니다.",
    ),
    "classroom.session_exercise": (
        "This session follows an exercise link. Locked: {locked}. Hidden: {hidden}.",
        "지금은 실습 링크의 설정을 따르고 있습니다. 잠긴 설정: {locked}. 숨긴 설정: {hidden}.",
    ),
    "classroom.nothing": ("none", "없음"),
    "classroom.teacher.intro": (
        "Build a link that opens NN Lab with the settings you choose, as TensorFlow "
        "Playground's classroom options do. **Locked** settings are shown but cannot be "
        "changed; **hidden** ones are not shown at all. For example, fix the data set, loss "
        "and optimizer, and let students explore only the layers: their units and activations.",
        "원하는 설정으로 NN Lab을 여는 링크를 만듭니다 (TensorFlow Playground의 교실용 "
        "옵션처럼). **잠긴** 설정은 보이지만 바꿀 수 없고, **숨긴** 설정은 아예 보이지 "
        "않습니다. 예를 들어 데이터셋, 손실 함수, 옵티마이저를 고정하고 학생들이 층의 유닛 "
        "수와 활성화 함수만 탐구하게 할 수 있습니다.",
    ),
    "classroom.teacher.start_from": ("Start from", "시작 설정"),
    "classroom.teacher.current": (
        "Current settings on Build & Train",
        "만들고 학습하기 페이지의 현재 설정",
    ),
    "classroom.teacher.defaults": ("Default settings", "기본 설정"),
    "classroom.teacher.lock": ("Lock (shown, fixed)", "잠그기 (보이지만 고정)"),
    "classroom.teacher.hide": ("Hide", "숨기기"),
    "classroom.teacher.language": ("Language of the link", "링크의 언어"),
    "classroom.teacher.free": (
        "Students can change: {fields}",
        "학생이 바꿀 수 있는 설정: {fields}",
    ),
    "classroom.teacher.hidden_wins": (
        "Both locked and hidden (hidden wins): {fields}",
        "잠금과 숨김을 모두 고름 (숨김이 우선): {fields}",
    ),
    "classroom.teacher.link": ("The exercise link", "실습 링크"),
    "classroom.teacher.open": ("Open the exercise", "실습 열어 보기"),
    "classroom.teacher.settings": ("Settings in this link", "이 링크에 담긴 설정"),
    # --- challenges (nnlab/challenges.py) ---
    "challenge.mnist_small.title": ("Small but sharp", "작지만 정확하게"),
    "challenge.mnist_small.goal": (
        "Reach **97 %** test accuracy on MNIST with at most **20,000 parameters** "
        "(tutorial 002's network has 795,010). Hint: a few units go a long way.",
        "MNIST에서 파라미터 **20,000개 이하**로 테스트 정확도 **97 % 이상**을 달성하세요 "
        "(튜토리얼 002의 신경망은 795,010개). 힌트: 유닛 몇 개로도 꽤 멀리 갑니다.",
    ),
    "challenge.fashion_small.title": ("Beat logistic regression", "로지스틱 회귀를 넘어서"),
    "challenge.fashion_small.goal": (
        "On Fashion-MNIST, beat tutorial 004's logistic-regression baseline (Dense(10) alone: "
        "**84.83 %**; scikit-learn's SGDClassifier: 81.96 %) with **one hidden Dense layer of "
        "at most 32 units**.",
        "Fashion-MNIST에서 튜토리얼 004의 로지스틱 회귀 기준선(Dense(10)만: **84.83 %**, "
        "사이킷런 SGDClassifier: 81.96 %)을 **유닛 32개 이하의 은닉 밀집층 하나**로 "
        "넘어서세요.",
    ),
    "challenge.t000_fix.title": ("Rescue tutorial 000", "튜토리얼 000 구하기"),
    "challenge.t000_fix.goal": (
        "Tutorial 000's 784-15-10 sigmoid network reaches about 77 % with mean squared error "
        "and SGD(0.2). Make it pass **90 %** test accuracy by changing **only the loss and the "
        "optimizer** (with its learning rate and momentum).",
        "튜토리얼 000의 784-15-10 시그모이드 신경망은 평균 제곱 오차와 SGD(0.2)로 약 77 %에 "
        "머뭅니다. **손실 함수와 옵티마이저**(학습률, 모멘텀 포함)**만** 바꿔서 테스트 정확도 "
        "**90 % 이상**으로 끌어올리세요.",
    ),
    "challenge.mnist_beat_002.title": (
        "Tutorial 002's score at an eighth of its size",
        "8분의 1 크기로 튜토리얼 002 따라잡기",
    ),
    "challenge.mnist_beat_002.goal": (
        "Match tutorial 002's **98.04 %** on MNIST with at most **100,000 parameters** (002 "
        "used 795,010). Hint: a conv block sees shapes, not single pixels.",
        "파라미터 **100,000개 이하**로 MNIST에서 튜토리얼 002의 **98.04 % 이상**을 달성하세요 "
        "(002는 795,010개). 힌트: 합성곱 블록은 픽셀 하나가 아니라 모양을 봅니다.",
    ),
    "challenge.msg.no_runs": (
        "No run yet: start the challenge, train, and come back here.",
        "아직 실행이 없습니다. 도전을 시작해 학습한 뒤 여기로 돌아오세요.",
    ),
    "challenge.msg.no_accuracy": (
        "The test accuracy is not known yet (still training?).",
        "아직 테스트 정확도를 모릅니다 (학습 중인가요?).",
    ),
    "challenge.msg.passed": (
        "Done! {accuracy} test accuracy (goal: {target}).",
        "성공! 테스트 정확도 {accuracy} (목표: {target}).",
    ),
    "challenge.msg.not_yet": (
        "{accuracy} test accuracy; the goal is {target}.",
        "테스트 정확도 {accuracy}, 목표는 {target}입니다.",
    ),
    "challenge.msg.wrong_dataset": (
        "Train on {dataset} for this challenge.",
        "이 도전은 {dataset}로 학습해야 합니다.",
    ),
    "challenge.msg.too_many_parameters": (
        "{count} parameters: at most {limit} are allowed.",
        "파라미터가 {count}개입니다. {limit}개까지만 허용됩니다.",
    ),
    "challenge.msg.one_hidden_layer": (
        "Use exactly one hidden Dense layer (this run has {count} hidden layers).",
        "은닉 밀집층을 정확히 하나만 쓰세요 (이 실행의 은닉층은 {count}개입니다).",
    ),
    "challenge.msg.too_many_units": (
        "{units} units in the hidden layer: at most {limit} are allowed.",
        "은닉층의 유닛이 {units}개입니다. {limit}개까지만 허용됩니다.",
    ),
    "challenge.msg.changed_other": (
        "Only the loss and the optimizer may change; this run also changed: {fields}.",
        "손실 함수와 옵티마이저만 바꿀 수 있습니다. 이 실행은 다음도 바꿨습니다: {fields}.",
    ),
    # --- short explanations of the settings: the one glossary, shown on Classroom (a tab) and
    # Build & Train (an expander) by pages/classroom/share.py's glossary(); topics in
    # EXPLAINED_TOPICS ---
    "explain.settings.title": ("Every setting, one line each", "모든 설정을 한 줄씩"),
    "explain.settings.intro": (
        "What each setting on Build & Train does; the name in brackets is how a share link "
        "writes it (e.g. `lr=0.01`).",
        "Build & Train의 각 설정이 하는 일입니다. 괄호 안의 이름은 공유 링크에 쓰이는 "
        "이름입니다(예: `lr=0.01`).",
    ),
    "explain.layer.title": ("What are layers and units?", "층과 유닛이란?"),
    "explain.layer.text": (
        "A unit (neuron) multiplies each of its inputs by a weight, adds them up with a bias, "
        "and applies an *activation*. A layer is a row of units that all read the same inputs; "
        "a *Dense* layer connects every unit to every input. Layers between the input and the "
        "output are called *hidden* layers.",
        "유닛(뉴런)은 입력마다 가중치를 곱해 더하고 편향을 더한 뒤 *활성화 함수*를 적용합니다. "
        "층은 같은 입력을 읽는 유닛들이 한 줄로 모인 것이고, *밀집층*(Dense)은 모든 유닛을 "
        "모든 입력과 연결합니다. 입력과 출력 사이에 있는 층을 *은닉층*이라고 부릅니다.",
    ),
    "explain.activation.title": ("What is an activation function?", "활성화 함수란?"),
    "explain.activation.text": (
        "Each neuron adds up its weighted inputs; the activation function then bends that sum "
        "before passing it on. Without it, any stack of layers would collapse into a single "
        "linear map. **ReLU** keeps positive values and turns negatives into 0: fast, the usual "
        "choice. **Sigmoid** squeezes values into 0…1 and **tanh** into -1…1; both flatten out "
        "for large inputs, which slows learning. On the output layer, **softmax** turns the 10 "
        "scores into probabilities that add up to 1.",
        "각 뉴런은 입력에 가중치를 곱해 더하고, 활성화 함수가 그 합을 비선형으로 바꿔 다음 "
        "층으로 보냅니다. 활성화 함수가 없으면 층을 아무리 쌓아도 선형 변환 하나와 같습니다. "
        "**ReLU**는 양수는 그대로, 음수는 0으로 만듭니다. 빠르고 가장 널리 쓰입니다. "
        "**시그모이드**는 값을 0…1로, **tanh**는 -1…1로 누르는데, 입력이 크면 기울기가 "
        "거의 0이 되어 학습이 느려집니다. 출력층의 **소프트맥스**는 10개의 점수를 합이 1인 "
        "확률로 바꿉니다.",
    ),
    "explain.loss.title": ("What is a loss?", "손실 함수란?"),
    "explain.loss.text": (
        "The loss measures how wrong the network's outputs are; training changes the weights "
        "to make it smaller. **Cross-entropy** suits classification and punishes a confident "
        "wrong answer hard: the *sparse* version takes class numbers (3), the *categorical* "
        "one takes one-hot vectors ([0,0,0,1,0,0,0,0,0,0]). **Mean squared error**, as in "
        "tutorial 000, also works but learns more slowly, above all with sigmoid outputs.",
        "손실 함수는 신경망의 출력이 얼마나 틀렸는지를 잽니다. 학습은 이 값이 작아지도록 "
        "가중치를 바꾸는 과정입니다. **크로스 엔트로피**는 분류에 알맞고, 자신 있게 틀린 "
        "답에 큰 벌점을 줍니다. *sparse* 버전은 클래스 번호(3)를, *categorical* 버전은 원-핫 "
        "벡터([0,0,0,1,0,0,0,0,0,0])를 정답으로 받습니다. 튜토리얼 000의 **평균 제곱 "
        "오차**도 동작하지만, 특히 시그모이드 출력과 함께 쓰면 학습이 더 느립니다.",
    ),
    "explain.optimizer.title": ("What is an optimizer?", "옵티마이저란?"),
    "explain.optimizer.text": (
        "The optimizer decides how to change the weights, using the gradient of the loss (the "
        "direction in which the loss grows fastest). **SGD** takes a step of size *learning "
        "rate* the other way; *momentum* carries part of the previous step along, and "
        "*Nesterov* looks ahead before stepping. **Adagrad**, **RMSprop** and **Adam** adapt "
        "the step size for each weight; Adam is a robust default.",
        "옵티마이저는 손실의 그래디언트(손실이 가장 빨리 커지는 방향)를 써서 가중치를 어떻게 "
        "바꿀지 정합니다. **SGD**는 그 반대 방향으로 *학습률*만큼 한 걸음 움직입니다. "
        "*모멘텀*은 이전 걸음의 일부를 이어 가고, *네스테로프*는 한 걸음 앞을 내다본 뒤 "
        "움직입니다. **Adagrad**, **RMSprop**, **Adam**은 가중치마다 걸음 크기를 조절하며, "
        "그중 Adam이 무난한 기본 선택입니다.",
    ),
    "explain.learning_rate.title": ("What is the learning rate?", "학습률이란?"),
    "explain.learning_rate.text": (
        "How big each step of the optimizer is. Too large and the loss jumps around or "
        "grows; too small and learning crawls. Common starting points: 0.001 for Adam and "
        "RMSprop, 0.01 to 0.1 for SGD.",
        "옵티마이저가 한 번에 움직이는 걸음의 크기입니다. 너무 크면 손실이 널뛰거나 오히려 "
        "커지고, 너무 작으면 학습이 아주 느립니다. 흔한 시작값은 Adam과 RMSprop은 0.001, "
        "SGD는 0.01~0.1입니다.",
    ),
    "explain.epoch.title": ("What is an epoch?", "에포크란?"),
    "explain.epoch.text": (
        "One epoch is one pass over all the training images. More epochs keep lowering the "
        "training loss; when the validation loss starts to rise while the training loss "
        "still falls, the network is memorising its training images (overfitting).",
        "에포크 1번은 훈련 이미지 전체를 한 번 다 보는 것입니다. 에포크가 늘수록 훈련 손실은 "
        "계속 줄어듭니다. 훈련 손실은 줄어드는데 검증 손실이 오르기 시작하면, 신경망이 훈련 "
        "이미지를 외우고 있다는 뜻입니다 (과대적합).",
    ),
    "explain.batch.title": ("What is a batch?", "배치란?"),
    "explain.batch.text": (
        "The group of images used for one update of the weights. With 60,000 training images "
        "and a batch size of 100, one epoch makes 600 updates. Small batches give more, "
        "noisier steps; large batches give fewer, smoother steps and are faster per image.",
        "가중치를 한 번 수정할 때 쓰는 이미지 묶음입니다. 훈련 이미지가 60,000장이고 배치 "
        "크기가 100이면 에포크 1번에 가중치를 600번 수정합니다. 배치가 작으면 더 자주, 더 "
        "들쭉날쭉하게 움직이고, 크면 덜 자주, 더 매끄럽게 움직이며 이미지당 계산이 빠릅니다.",
    ),
    "explain.validation.title": ("What is validation?", "검증이란?"),
    "explain.validation.text": (
        "Images the network does not learn from, checked after every epoch to see how it does "
        "on images it has never seen. Either the test set, as in tutorial 002, or a part held "
        "out of the training images, as in tutorial 004, which keeps the test set untouched "
        "until the very end.",
        "신경망이 학습하지 않는 이미지로, 에포크마다 처음 보는 이미지에서 얼마나 잘하는지 "
        "확인합니다. 튜토리얼 002처럼 테스트 세트를 쓰거나, 튜토리얼 004처럼 훈련 이미지 "
        "일부를 떼어 씁니다. 후자는 테스트 세트를 마지막까지 손대지 않고 남겨 둡니다.",
    ),
    "explain.overfitting.title": ("What is overfitting?", "과대적합이란?"),
    "explain.overfitting.text": (
        "When training accuracy keeps rising while validation accuracy stalls or falls, the "
        "network is memorising its training images rather than learning what the classes have "
        "in common. Dropout, L2 weight decay and early stopping are three ways to fight it.",
        "훈련 정확도는 계속 오르는데 검증 정확도는 멈추거나 떨어진다면, 신경망이 클래스의 공통점을 "
        "배우는 대신 훈련 이미지를 외우고 있는 것입니다. 드롭아웃, L2 가중치 감쇠, 조기 종료는 "
        "이를 막는 세 가지 방법입니다.",
    ),
    "explain.dropout.title": ("What is dropout?", "드롭아웃이란?"),
    "explain.dropout.text": (
        "During training, dropout switches off a random fraction of a layer's outputs at every "
        "step, so the network cannot rely on any single neuron. It usually narrows the gap "
        "between training and validation accuracy. When predicting, nothing is dropped.",
        "학습하는 동안 매 단계마다 층의 출력 중 무작위로 일부를 꺼서, 신경망이 특정 뉴런 "
        "하나에 기대지 못하게 합니다. 보통 훈련 정확도와 검증 정확도의 차이를 줄여 줍니다. "
        "예측할 때는 아무것도 끄지 않습니다.",
    ),
    "explain.l2.title": ("What is L2 weight decay?", "L2 가중치 감쇠란?"),
    "explain.l2.text": (
        "It adds a penalty for large weights to the loss, so training prefers many small "
        "weights to a few large ones: the network stays simpler and overfits less. Typical "
        "values are 0.0001 to 0.001; 0 turns it off.",
        "큰 가중치에 대한 벌점을 손실에 더해서, 학습이 큰 가중치 몇 개보다 작은 가중치 여러 "
        "개를 택하게 합니다. 그러면 신경망이 더 단순해지고 과대적합이 줄어듭니다. 보통 "
        "0.0001~0.001을 쓰며, 0이면 사용하지 않습니다.",
    ),
    "explain.early_stopping.title": ("What is early stopping?", "조기 종료란?"),
    "explain.early_stopping.text": (
        "Training stops by itself when the validation loss has not improved for *patience* "
        "epochs in a row, and can go back to the weights of the best epoch.",
        "검증 손실이 *참을성* 에포크 동안 연속으로 나아지지 않으면 학습을 스스로 멈추고, 가장 "
        "좋았던 에포크의 가중치로 되돌릴 수 있습니다.",
    ),
    "explain.parameters.title": ("What are parameters?", "파라미터란?"),
    "explain.parameters.text": (
        "The weights and biases the network learns. A Dense layer from n inputs to m units has "
        "n × m weights and m biases: tutorial 000's hidden layer has 784 × 15 + 15 = 11,775, "
        "and its output layer 15 × 10 + 10 = 160, 11,935 in all.",
        "신경망이 학습하는 가중치와 편향입니다. 입력 n개에서 유닛 m개로 가는 밀집층에는 "
        "가중치 n × m개와 편향 m개가 있습니다. 튜토리얼 000의 은닉층은 784 × 15 + 15 = "
        "11,775개, 출력층은 15 × 10 + 10 = 160개로 모두 11,935개입니다.",
    ),
}
