"""Text of the Build & Train page: settings, explanations, presets, live training, run history."""

TEXTS = {
    # --- page ---
    "build.title": ("Build & Train", "만들고 학습하기"),
    "build.intro": (
        "Pick a tutorial preset or set up your own network, press Train, and watch it learn. "
        "Training keeps running while you click around or visit other pages.",
        "튜토리얼 프리셋을 고르거나 직접 신경망을 설정한 뒤 '학습 시작'을 누르고 배우는 과정을 "
        "지켜보세요. 다른 곳을 누르거나 다른 페이지로 가도 학습은 계속됩니다.",
    ),
    "build.presets": (
        "Tutorial presets: one click loads an experiment",
        "튜토리얼 프리셋: 클릭 한 번으로 실험 불러오기",
    ),
    "build.tutorial.000": ("000 · First MLP", "000 · 첫 다층 퍼셉트론"),
    "build.tutorial.002": ("002 · 1000-unit ReLU", "002 · 1000개 유닛 ReLU"),
    "build.tutorial.003": (
        "003 · Deep Learning with Python",
        "003 · 케라스 창시자에게 배우는 딥러닝",
    ),
    "build.tutorial.004": ("004 · Optimizers & regularisation", "004 · 옵티마이저와 규제"),
    "build.tutorial.keras-io": ("Beyond: a convnet", "더 나아가기: 합성곱 신경망"),
    "build.preset.published": ("Published: {figures}", "튜토리얼 결과: {figures}"),
    "build.preset.no_published": ("No published score", "공개된 점수 없음"),
    "build.preset.your_result": (
        "Your last run: {metric} {ours} (published {published})",
        "내 마지막 실행: {metric} {ours} (튜토리얼 {published})",
    ),
    "build.preset.loaded": (
        "Settings from the preset “{title}”.",
        "프리셋 “{title}”의 설정입니다.",
    ),
    "build.preset.loaded_changed": (
        "Settings from the preset “{title}”, changed: {fields}.",
        "프리셋 “{title}”의 설정에서 바꾼 항목: {fields}.",
    ),
    "build.group.data": ("Data", "데이터"),
    "build.group.architecture": ("Architecture", "신경망 구조"),
    "build.group.training": ("Training", "학습 설정"),
    "build.group.live": ("Training live", "실시간 학습"),
    "build.group.history": ("Run history", "실행 기록"),
    "build.invalid": (
        "These settings cannot be trained yet: {error}",
        "이 설정으로는 아직 학습할 수 없습니다: {error}",
    ),
    "build.train": ("Train", "학습 시작"),
    "build.too_many_runs": (
        "You already have two runs queued or training: stop one or wait for it to finish.",
        "이미 두 개의 실행이 대기 중이거나 학습 중입니다. 하나를 멈추거나 끝날 때까지 기다리세요.",
    ),
    # --- data ---
    "build.dataset": ("Data set", "데이터셋"),
    "build.help.dataset": (
        "MNIST: handwritten digits 0-9. Fashion-MNIST: small photos of ten kinds of clothing, "
        "harder to tell apart. Both are 28×28 grey images.",
        "MNIST는 0~9 손글씨 숫자, Fashion-MNIST는 옷 10종류의 작은 사진으로 구분하기가 더 "
        "어렵습니다. 둘 다 28×28 흑백 이미지입니다.",
    ),
    "build.use_all_images": ("Use every training image", "훈련 이미지 모두 사용"),
    "build.train_size": ("Training images to use", "사용할 훈련 이미지 수"),
    "build.help.train_size": (
        "Fewer images train faster but learn less. A random (seeded) subset is used.",
        "이미지가 적으면 빨리 학습하지만 덜 배웁니다. 시드로 고정된 무작위 일부를 사용합니다.",
    ),
    "build.validation": ("Validate on", "검증 데이터"),
    "build.validation.test": ("the test set (tutorial 002)", "테스트셋 (튜토리얼 002)"),
    "build.validation.split": (
        "a held-out part of the training images (tutorial 004)",
        "훈련 이미지에서 떼어 둔 일부 (튜토리얼 004)",
    ),
    "build.help.validation": (
        "Validation images are never trained on: their accuracy after each epoch shows how well "
        "the network does on images it has not seen.",
        "검증 이미지는 학습에 쓰지 않습니다. 매 에포크 후의 검증 정확도는 신경망이 처음 보는 "
        "이미지를 얼마나 잘 맞히는지 보여 줍니다.",
    ),
    "build.validation_split": ("Fraction held out for validation", "검증용으로 떼어 둘 비율"),
    "build.help.validation_split": (
        "0.2 keeps 20 % of the training images aside to validate on.",
        "0.2이면 훈련 이미지의 20%를 검증용으로 따로 둡니다.",
    ),
    "build.data.loading": ("Loading the data set…", "데이터셋을 불러오는 중…"),
    "build.data.load_failed": (
        "The data set could not be loaded: {error}",
        "데이터셋을 불러오지 못했습니다: {error}",
    ),
    "build.data.sample_note": (
        "This is the small sample bundled with NN Lab, not the full data set: accuracy will be "
        "lower than the tutorials'.",
        "NN Lab에 포함된 작은 표본이며 전체 데이터셋이 아닙니다. 정확도가 튜토리얼보다 "
        "낮게 나올 수 있습니다.",
    ),
    "build.data.uses_test": (
        "This run will train on **{train}** images and validate on the **{validation}** test "
        "images.",
        "이번 실행은 이미지 **{train}**장으로 학습하고 테스트 이미지 **{validation}**장으로 "
        "검증합니다.",
    ),
    "build.data.uses_split": (
        "This run will train on **{train}** images and validate on **{validation}** held-out "
        "training images.",
        "이번 실행은 이미지 **{train}**장으로 학습하고, 떼어 둔 훈련 이미지 "
        "**{validation}**장으로 검증합니다.",
    ),
    "build.data.fewer_available": (
        "You asked for {asked} training images; this data set has {available}, so all of them "
        "are used.",
        "훈련 이미지 {asked}장을 요청했지만 이 데이터셋에는 {available}장뿐이라 모두 사용합니다.",
    ),
    "build.data.samples": ("Sample images", "샘플 이미지"),
    "build.data.samples_alt": (
        "The first training images of each class, one row per class.",
        "클래스마다 처음 몇 개의 학습 이미지, 클래스마다 한 줄.",
    ),
    "build.data.averages_alt": (
        "The average training image of each class, side by side.",
        "클래스별 평균 학습 이미지를 나란히 놓은 그림.",
    ),
    "build.data.counts": ("Images per class", "클래스별 이미지 수"),
    "build.data.averages": ("Average image per class", "클래스별 평균 이미지"),
    "build.data.averages_note": (
        "Each picture is the pixel-by-pixel mean of every training image of that class.",
        "각 그림은 그 클래스에 속한 모든 훈련 이미지를 픽셀별로 평균한 것입니다.",
    ),
    "build.data.train_images": ("training", "훈련"),
    "build.data.test_images": ("test", "테스트"),
    "build.data.images": ("images", "이미지 수"),
    # --- architecture ---
    "build.hidden_layers": ("Hidden layers", "은닉층"),
    "build.help.hidden_layers": (
        "Layers between the 784 input pixels and the 10 outputs. None at all is logistic "
        "regression (tutorial 004).",
        "입력 픽셀 784개와 출력 10개 사이의 층입니다. 은닉층이 하나도 없으면 로지스틱 회귀"
        "(튜토리얼 004)가 됩니다.",
    ),
    "build.no_hidden_layers": (
        "No hidden layer: the pixels go straight to the 10 outputs (logistic regression).",
        "은닉층 없음: 픽셀이 곧바로 출력 10개로 연결됩니다(로지스틱 회귀).",
    ),
    "build.layer_title": ("Layer {number}", "{number}번째 층"),
    "build.kind": ("Kind", "종류"),
    "build.kind.dense": ("Dense", "Dense"),
    "build.kind.conv": ("Conv block", "합성곱 블록"),
    "build.help.kind": (
        "Dense: every unit sees every input. Conv block: small filters slide over the image "
        "to find strokes and edges, then 2×2 max-pooling halves its size. Conv blocks come "
        "before Dense layers.",
        "Dense는 모든 유닛이 모든 입력을 봅니다. 합성곱 블록은 작은 필터가 이미지 위를 "
        "움직이며 획과 모서리를 찾고, 2×2 맥스 풀링으로 크기를 절반으로 줄입니다. 합성곱 블록은 "
        "Dense 층보다 앞에 와야 합니다.",
    ),
    "build.units": ("Units", "유닛 수"),
    "build.help.units": (
        "How many neurons this layer has. More units can learn more, but train slower and "
        "can overfit.",
        "이 층의 뉴런 수입니다. 많을수록 더 많이 배울 수 있지만 학습이 느려지고 과대적합될 수 "
        "있습니다.",
    ),
    "build.filters": ("Filters", "필터 수"),
    "build.help.filters": (
        "How many different patterns this block looks for; each makes one feature map.",
        "이 블록이 찾는 서로 다른 패턴의 수로, 필터마다 특성 맵이 하나씩 생깁니다.",
    ),
    "build.kernel_size": ("Kernel", "커널 크기"),
    "build.help.kernel_size": (
        "The size of each filter in pixels: 3×3 looks at small details.",
        "필터 하나의 크기(픽셀)입니다. 3×3은 작은 부분을 봅니다.",
    ),
    "build.activation": ("Activation", "활성화 함수"),
    "build.help.activation": (
        "The function each unit applies to its weighted sum. Without one, stacked layers are "
        "no better than one. ReLU is the usual choice; sigmoid is the classic one of "
        "tutorial 000.",
        "각 유닛이 가중합에 적용하는 함수입니다. 활성화 함수가 없으면 층을 여러 개 쌓아도 한 층과 "
        "다를 바 없습니다. 보통 ReLU를 쓰고, 시그모이드는 튜토리얼 000의 고전적인 선택입니다.",
    ),
    "build.move_up": ("Move up", "위로 이동"),
    "build.move_down": ("Move down", "아래로 이동"),
    "build.remove_layer": ("Remove this layer", "이 층 삭제"),
    "build.add_dense": ("Add Dense layer", "Dense 층 추가"),
    "build.add_conv": ("Add conv block", "합성곱 블록 추가"),
    "build.help.add_conv": (
        "Goes after the last conv block, before the Dense layers.",
        "마지막 합성곱 블록 뒤, Dense 층 앞에 들어갑니다.",
    ),
    "build.output_activation": ("Output activation", "출력층 활성화 함수"),
    "build.help.output_activation": (
        "Softmax turns the 10 outputs into probabilities that add up to 1. Sigmoid squeezes "
        "each output between 0 and 1 on its own (tutorial 000).",
        "소프트맥스는 출력 10개를 합이 1인 확률로 바꿉니다. 시그모이드는 각 출력을 따로 0과 1 "
        "사이로 눌러 줍니다(튜토리얼 000).",
    ),
    "build.dropout_rate": ("Dropout rate", "드롭아웃 비율"),
    "build.help.dropout": (
        "During training, randomly switch off this fraction of units at each step, so the "
        "network cannot rely on any single one: it overfits less. 0 turns it off.",
        "학습하는 동안 매 단계 이 비율만큼의 유닛을 무작위로 끕니다. 특정 유닛에 기대지 못하게 "
        "되어 과대적합이 줄어듭니다. 0이면 사용하지 않습니다.",
    ),
    "build.l2_weight_decay": ("L2 weight decay", "L2 가중치 감쇠"),
    "build.help.l2": (
        "Adds a penalty for large weights to the loss, which keeps the network simpler. "
        "Try 0.0001 to 0.001; 0 turns it off.",
        "큰 가중치에 벌점을 주어 손실에 더하므로 신경망이 더 단순해집니다. 0.0001~0.001을 "
        "시도해 보세요. 0이면 사용하지 않습니다.",
    ),
    # --- training ---
    "build.loss": ("Loss", "손실 함수"),
    "build.loss.sparse_categorical_crossentropy": (
        "Sparse categorical cross-entropy (labels as numbers)",
        "희소 범주형 크로스엔트로피 (정답을 숫자로)",
    ),
    "build.loss.categorical_crossentropy": (
        "Categorical cross-entropy (one-hot labels)",
        "범주형 크로스엔트로피 (원-핫 정답)",
    ),
    "build.loss.mean_squared_error": (
        "Mean squared error (one-hot labels, tutorial 000)",
        "평균 제곱 오차 (원-핫 정답, 튜토리얼 000)",
    ),
    "build.help.loss": (
        "The number training tries to make small: how wrong the predictions are. "
        "Cross-entropy suits classification; mean squared error is what tutorial 000 used.",
        "학습이 줄이려고 하는 값으로, 예측이 얼마나 틀렸는지를 나타냅니다. 분류에는 "
        "크로스엔트로피가 잘 맞고, 튜토리얼 000은 평균 제곱 오차를 썼습니다.",
    ),
    "build.optimizer": ("Optimizer", "옵티마이저"),
    "build.help.optimizer": (
        "How the weights are changed after each batch. SGD takes plain steps down the slope; "
        "Adagrad, RMSprop and Adam adapt the step for each weight. Switching offers that "
        "optimizer's usual learning rate.",
        "배치마다 가중치를 어떻게 바꿀지 정합니다. SGD는 기울기를 따라 그대로 내려가고, "
        "Adagrad·RMSprop·Adam은 가중치마다 보폭을 조절합니다. 바꾸면 그 옵티마이저의 기본 "
        "학습률이 들어갑니다.",
    ),
    "build.learning_rate": ("Learning rate", "학습률"),
    "build.help.learning_rate": (
        "The size of each step. Too big and the loss jumps around; too small and learning "
        "crawls. Adam usually works with 0.001, SGD with 0.01 to 0.2.",
        "한 걸음의 크기입니다. 너무 크면 손실이 들쭉날쭉하고, 너무 작으면 학습이 느립니다. "
        "Adam은 보통 0.001, SGD는 0.01~0.2가 잘 맞습니다.",
    ),
    "build.momentum": ("Momentum", "모멘텀"),
    "build.help.momentum": (
        "SGD only: carry this fraction of the previous step into the next, like a ball "
        "rolling downhill. 0.9 is common.",
        "SGD 전용: 이전 걸음의 이 비율만큼을 다음 걸음에 더합니다. 언덕을 굴러 내려가는 공과 "
        "비슷하며, 보통 0.9를 씁니다.",
    ),
    "build.nesterov": ("Nesterov momentum", "네스테로프 모멘텀"),
    "build.help.nesterov": (
        "SGD only: look ahead along the momentum before taking the gradient (tutorial 004).",
        "SGD 전용: 모멘텀 방향으로 먼저 내다본 뒤 기울기를 계산합니다(튜토리얼 004).",
    ),
    "build.weight_decay": ("Weight decay", "가중치 감쇠"),
    "build.help.weight_decay": (
        "AdamW only: each step also shrinks every weight a little toward 0 (this fraction of the "
        "learning rate), apart from the gradient. Keras uses 0.004; 0 makes it plain Adam.",
        "AdamW 전용: 걸음마다 기울기와 따로 모든 가중치를 0 쪽으로 조금씩(학습률의 이 비율만큼) "
        "줄입니다. Keras 기본값은 0.004이고, 0이면 일반 Adam과 같습니다.",
    ),
    "field.weight_decay": ("AdamW weight decay", "AdamW 가중치 감쇠"),
    "build.epochs": ("Epochs", "에포크"),
    "build.help.epochs": (
        "One epoch is one pass over all the training images.",
        "에포크 1번은 모든 훈련 이미지를 한 번씩 다 보는 것입니다.",
    ),
    "build.batch_size": ("Batch size", "배치 크기"),
    "build.help.batch_size": (
        "How many images the network sees before each weight update. Small batches give more, "
        "noisier steps per epoch.",
        "가중치를 한 번 고치기 전에 보는 이미지 수입니다. 배치가 작으면 에포크마다 더 많은, "
        "대신 더 들쭉날쭉한 걸음을 걷습니다.",
    ),
    "build.seed": ("Seed", "시드"),
    "build.help.seed": (
        "Fixes the random starting weights, dropout and image order: the same seed gives the "
        "same result again.",
        "무작위 초기 가중치, 드롭아웃, 이미지 순서를 고정합니다. 같은 시드면 같은 결과가 다시 "
        "나옵니다.",
    ),
    "build.early_stopping": ("Early stopping", "조기 종료"),
    "build.help.early_stopping": (
        "End training when the validation loss stops getting better, before the network "
        "starts to overfit.",
        "검증 손실이 더 이상 좋아지지 않으면 과대적합이 시작되기 전에 학습을 끝냅니다.",
    ),
    "build.patience": ("Patience (epochs)", "참을성 (에포크)"),
    "build.help.patience": (
        "How many epochs without improvement to wait before stopping.",
        "개선이 없는 에포크를 몇 번까지 기다린 뒤 멈출지 정합니다.",
    ),
    "build.restore_best_weights": (
        "Keep the best epoch's weights",
        "가장 좋았던 에포크의 가중치 유지",
    ),
    "build.help.restore_best_weights": (
        "After stopping, go back to the weights of the epoch with the lowest validation loss.",
        "멈춘 뒤 검증 손실이 가장 낮았던 에포크의 가중치로 되돌립니다.",
    ),
    # --- explanations ---
    "build.glossary.title": ("What do these words mean?", "용어가 궁금하다면"),
    # --- live preview ---
    "build.preview.parameters": ("Trainable parameters", "학습되는 파라미터 수"),
    "build.preview.invalid": (
        "Fix the settings above to see the network.",
        "위 설정을 고치면 신경망 모습이 나타납니다.",
    ),
    "build.preview.layer": ("Layer", "층"),
    "build.preview.type": ("Type", "종류"),
    "build.preview.output_shape": ("Output shape", "출력 모양"),
    "build.preview.params": ("Parameters", "파라미터"),
    # --- training live ---
    "build.status.model_released": (
        "weights freed (the {kept} newest models are kept)",
        "가중치 해제됨 (최근 모델 {kept}개만 보관)",
    ),
    "build.status.queued": ("queued", "대기 중"),
    "build.status.running": ("training", "학습 중"),
    "build.status.finished": ("finished", "완료"),
    "build.status.stopped": ("stopped", "중지됨"),
    "build.status.diverged": (
        "stopped: learning rate too high",
        "중지됨: 학습률이 너무 높음",
    ),
    "build.status.failed": ("failed", "실패"),
    "build.live.none": (
        "No run yet: press Train to start one.",
        "아직 실행이 없습니다. '학습 시작'을 눌러 보세요.",
    ),
    "build.stop": ("Stop", "중지"),
    "build.leave_queue": ("Leave the queue", "대기열에서 빠지기"),
    "build.stopping": (
        "Stopping after the current batch…",
        "현재 배치를 마치고 멈추는 중…",
    ),
    "build.trains_on": ("Training on {machine}.", "{machine}에서 학습 중입니다."),
    "build.preparing": (
        "Preparing: loading the data and TensorFlow (a few seconds the first time)…",
        "준비 중: 데이터와 텐서플로를 불러오고 있습니다(처음에는 몇 초 걸립니다)…",
    ),
    "build.progress": (
        "Epoch {epoch}/{epochs} · batch {batch}/{batches} · {speed} images/s · {left} left",
        "에포크 {epoch}/{epochs} · 배치 {batch}/{batches} · 초당 {speed}장 · 남은 시간 {left}",
    ),
    "build.queued": (
        "Waiting for a free slot: number {position} in the queue ({running} training, "
        "{waiting} waiting on this server).",
        "빈자리를 기다리는 중: 대기열 {position}번째입니다(이 서버에서 {running}개 학습 중, "
        "{waiting}개 대기 중).",
    ),
    "build.failed": ("The run failed: {error}", "실행이 실패했습니다: {error}"),
    "build.stopped": (
        "Stopped after {epochs} epoch(s) in {duration}; the weights learned so far are kept.",
        "에포크 {epochs}번을 마친 뒤 {duration} 만에 멈췄습니다. "
        "배운 가중치는 그대로 남아 있습니다.",
    ),
    "build.finished": (
        "Finished {epochs} epoch(s) in {duration}.",
        "에포크 {epochs}번을 {duration} 만에 마쳤습니다.",
    ),
    "build.finished_early": (
        "Early stopping ended the run after {epochs} epoch(s) in {duration}.",
        "조기 종료로 에포크 {epochs}번 뒤 {duration} 만에 끝났습니다.",
    ),
    "build.also_training": (
        "Also running: {label} ({status}, epoch {epoch}/{epochs})",
        "함께 실행 중: {label} ({status}, 에포크 {epoch}/{epochs})",
    ),
    "build.metric.epochs": ("Epochs", "에포크"),
    "build.metric.accuracy": ("Train accuracy", "훈련 정확도"),
    "build.metric.val_accuracy": ("Validation accuracy", "검증 정확도"),
    "build.metric.test_accuracy": ("Test accuracy", "테스트 정확도"),
    "build.chart.loss": ("Loss", "손실"),
    "build.chart.accuracy": ("Accuracy", "정확도"),
    "build.chart.epoch": ("Epoch", "에포크"),
    "build.chart.train": ("training", "훈련"),
    "build.chart.validation": ("validation", "검증"),
    "build.log.title": ("Epoch log", "에포크 기록"),
    "build.log.loss": ("Train loss", "훈련 손실"),
    "build.log.accuracy": ("Train accuracy", "훈련 정확도"),
    "build.log.val_loss": ("Validation loss", "검증 손실"),
    "build.log.val_accuracy": ("Validation accuracy", "검증 정확도"),
    "build.log.seconds": ("Seconds", "초"),
    "build.compare.title": (
        "Tutorial vs this run: {preset}",
        "튜토리얼과 이번 실행 비교: {preset}",
    ),
    "build.compare.published": ("Tutorial: {value}", "튜토리얼: {value}"),
    "build.compare.help": (
        "The arrow shows this run minus the tutorial's published figure, in percentage points. "
        "Today's Keras starts from other random weights, so about ±1.5 points is normal.",
        "화살표는 이번 실행에서 튜토리얼 결과를 뺀 값(%p)입니다. 지금의 케라스는 다른 초기 "
        "가중치에서 시작하므로 ±1.5%p 정도 차이는 정상입니다.",
    ),
    "build.compare.modified": (
        "Settings differ from the tutorial's ({fields}), so the figures may differ too.",
        "튜토리얼과 설정이 달라서({fields}) 결과도 다를 수 있습니다.",
    ),
    # --- run history ---
    "build.history.empty": ("Your runs will be listed here.", "실행한 기록이 여기에 쌓입니다."),
    "build.history.run": ("Run", "실행"),
    "build.history.params": ("Parameters", "파라미터"),
    "build.history.duration": ("Time", "시간"),
    "build.history.status": ("Status", "상태"),
    "build.history.active": (
        "Run used by Evaluate, Draw and Inside",
        "평가·그려 보기·신경망 속 페이지에서 쓸 실행",
    ),
    "build.help.active_run": (
        "The other pages open with this run's model.",
        "다른 페이지는 이 실행의 모델로 시작합니다.",
    ),
    "build.history.compare": ("Compare runs", "실행 비교"),
    "build.history.pick_runs": ("Runs to overlay", "겹쳐 볼 실행"),
    "build.history.metric": ("Figure", "지표"),
    # --- honest settings and the offline story ---
    "build.batch_larger_than_data": (
        "The batch size ({batch}) is larger than the {train} training images: each epoch will "
        "be a single weight update on all of them. Choose a batch size below {train}.",
        "배치 크기({batch})가 훈련 이미지 {train}장보다 큽니다. 에포크마다 모든 이미지로 가중치를 "
        "딱 한 번만 고치게 됩니다. {train}보다 작은 배치 크기를 고르세요.",
    ),
    "build.updates.why": (
        "Fewer weight updates than the tutorial, so expect a lower score: a network learns once "
        "per batch, not once per image. Here {epochs} epochs of {train} images in batches of "
        "{batch} make **{ours} weight updates**; the tutorial's {tutorial_images} images made "
        "**{tutorial}**.",
        "튜토리얼보다 가중치 업데이트가 적어서 점수가 낮게 나올 것입니다. 신경망은 이미지 한 "
        "장마다가 아니라 배치마다 한 번 배웁니다. 여기서는 이미지 {train}장을 배치 {batch}장씩 "
        "{epochs} 에포크 학습하므로 **가중치 업데이트가 {ours}번**이고, 튜토리얼은 이미지 "
        "{tutorial_images}장으로 **{tutorial}번** 했습니다.",
    ),
    "build.updates.match": (
        "Use {epochs} epochs ({updates} updates, like the tutorial)",
        "{epochs} 에포크로 바꾸기 (튜토리얼처럼 업데이트 {updates}번)",
    ),
    "build.updates.most": (
        "Use {epochs} epochs, the most allowed ({updates} updates)",
        "최대 {epochs} 에포크로 바꾸기 (업데이트 {updates}번)",
    ),
    "build.diverged": (
        "The learning rate is too high for this network: {why} after {epochs} epoch(s), so "
        "training stopped. Try a learning rate of {suggestion}.",
        "이 신경망에는 학습률이 너무 높습니다. 에포크 {epochs}번 뒤 {why} 학습을 멈췄습니다. "
        "학습률을 {suggestion}(으)로 낮춰 보세요.",
    ),
    "build.diverged.nan": (
        "the loss became infinite or not a number",
        "손실이 무한대가 되거나 숫자가 아니게 되어",
    ),
    "build.diverged.chance": (
        "the loss grew while accuracy stayed at chance ({accuracy})",
        "정확도는 찍기 수준({accuracy})에 머물고 손실은 커져서",
    ),
    "build.diverged.use": ("Use {suggestion}", "{suggestion}(으)로 바꾸기"),
    # --- the exported script's data (nnlab/codegen.py) ---
    "code.nnlab_loader": (
        "Inside NN Lab's folder the script loads the data exactly as the app did (the same "
        "local files or bundled sample, no download); elsewhere Keras downloads it.",
        "NN Lab 폴더 안에서 실행하면 앱과 똑같이 데이터를 불러오고(같은 로컬 파일이나 포함된 "
        "표본, 내려받기 없음), 다른 곳에서는 케라스가 내려받습니다.",
    ),
    "code.downloading": (
        "Downloading {dataset} from {url} (kept in {cache}) …",
        "{dataset}을(를) {url}에서 내려받는 중 ({cache}에 저장) …",
    ),
    "code.offline_help": (
        "Could not download {dataset} from {url}. Offline? Copy the data set into {cache}, or "
        "save this script in NN Lab's folder and run it there: it then uses the data the app "
        "used (the bundled sample when nothing else is there).",
        "{url}에서 {dataset}을(를) 내려받지 못했습니다. 오프라인이라면 데이터셋을 {cache}에 "
        "복사하거나, 이 스크립트를 NN Lab 폴더에 저장해 그곳에서 실행하세요. 그러면 앱이 쓴 "
        "데이터(다른 것이 없으면 포함된 표본)를 사용합니다.",
    ),
    # --- share links that could not be read whole ---
    "link.garbled": (
        "Not used from this link, usual values kept: {parts}.",
        "링크에서 쓰지 못한 항목(기본값 유지): {parts}.",
    ),
    "link.part.preset": ("Preset", "프리셋"),
    "link.part.language": ("Language", "언어"),
    "link.part.lock": ("Locked settings", "고정한 설정"),
    "link.part.hide": ("Hidden settings", "숨긴 설정"),
    "link.part.unknown": ("“{name}” (not a setting)", "“{name}”(설정이 아님)"),
}
