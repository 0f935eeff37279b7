"""Text of "watch it learn": diagnostics, hidden-layer map, watched digits, learning-rate tools,
schedules and data augmentation (settings, readings, glossary entries and code comments)."""

TEXTS = {
    # --- settings: labels (field.* names a setting in messages) and help ---
    "field.lr_schedule": ("Learning-rate schedule", "학습률 스케줄"),
    "field.lr_decay_factor": ("Decay factor", "감소 비율"),
    "field.lr_decay_epochs": ("Epochs per step / patience", "단계 간격 / 참을성 에포크"),
    "field.augment_shift": ("Random shift", "무작위 이동"),
    "field.augment_rotation": ("Random rotation", "무작위 회전"),
    "field.augment_zoom": ("Random zoom", "무작위 확대·축소"),
    "field.augment_noise": ("Random noise", "무작위 잡음"),
    "learn.lr_schedule": ("Learning-rate schedule", "학습률 스케줄"),
    "learn.help.lr_schedule": (
        "How the learning rate changes from epoch to epoch. Constant: never. Step decay: "
        "multiplied by the decay factor every few epochs. Cosine: eases down along half a cosine "
        "towards 0 by the last epoch. Reduce on plateau: multiplied by the factor when the "
        "validation loss has not improved for a few epochs.",
        "에포크마다 학습률이 어떻게 바뀌는지 정합니다. 일정: 바뀌지 않습니다. 단계 감소: 몇 "
        "에포크마다 감소 비율을 곱합니다. 코사인: 코사인 반 주기를 따라 마지막 에포크에 0 "
        "가까이까지 천천히 줄어듭니다. 정체 시 감소: 검증 손실이 몇 에포크 동안 나아지지 않으면 "
        "비율을 곱합니다.",
    ),
    "learn.lr_decay_factor": ("Decay factor", "감소 비율"),
    "learn.help.lr_decay_factor": (
        "What the learning rate is multiplied by when it drops (0.5 halves it).",
        "학습률이 줄어들 때 곱하는 값입니다 (0.5이면 절반이 됩니다).",
    ),
    "learn.lr_decay_epochs": ("Epochs per step / patience", "단계 간격 / 참을성 에포크"),
    "learn.help.lr_decay_epochs": (
        "Step decay: the rate drops every this many epochs. Reduce on plateau: it drops after "
        "this many epochs without a better validation loss.",
        "단계 감소: 이 에포크 수마다 학습률이 줄어듭니다. 정체 시 감소: 검증 손실이 이 에포크 "
        "수 동안 나아지지 않으면 줄어듭니다.",
    ),
    "learn.schedule.constant": ("Constant", "일정"),
    "learn.schedule.step": ("Step decay", "단계 감소"),
    "learn.schedule.cosine": ("Cosine", "코사인"),
    "learn.schedule.plateau": ("Reduce on plateau", "정체 시 감소"),
    "learn.augment_shift": ("Shift (fraction of the image)", "이동 (이미지 크기 대비 비율)"),
    "learn.help.augment_shift": (
        "Each training image moves at random by up to this fraction of its width and height "
        "(0.1 = up to 3 pixels each way). 0 turns it off.",
        "훈련 이미지마다 가로·세로 크기의 이 비율만큼까지 무작위로 움직입니다 (0.1 = 양쪽으로 "
        "최대 3픽셀). 0이면 쓰지 않습니다.",
    ),
    "learn.augment_rotation": ("Rotation (degrees)", "회전 (도)"),
    "learn.help.augment_rotation": (
        "Each training image turns at random by up to this many degrees either way. 0 turns it "
        "off.",
        "훈련 이미지마다 양쪽으로 이 각도까지 무작위로 회전합니다. 0이면 쓰지 않습니다.",
    ),
    "learn.augment_zoom": ("Zoom (fraction)", "확대·축소 (비율)"),
    "learn.help.augment_zoom": (
        "Each training image is zoomed in or out at random by up to this fraction (0.1 = "
        "90 %…110 %). 0 turns it off.",
        "훈련 이미지마다 이 비율까지 무작위로 확대하거나 축소합니다 (0.1 = 90 %…110 %). "
        "0이면 쓰지 않습니다.",
    ),
    "learn.augment_noise": ("Noise (spread)", "잡음 (퍼짐)"),
    "learn.help.augment_noise": (
        "Random Gaussian noise of this spread is added to each training pixel (pixels run from "
        "0 to 1). 0 turns it off.",
        "훈련 이미지의 픽셀마다 이 퍼짐(표준편차)의 가우스 잡음을 더합니다 (픽셀 값은 0…1). "
        "0이면 쓰지 않습니다.",
    ),
    "spec.error.not_for_schedule": (
        "{field} only applies to the step-decay and reduce-on-plateau schedules; the schedule "
        "is {schedule}.",
        "{field}은(는) 단계 감소와 정체 시 감소 스케줄에만 쓰입니다. 지금 스케줄은 "
        "{schedule}입니다.",
    ),
    # --- the preset pair ---
    "preset.t000_relu_mse.title": (
        "000 · the same net with ReLU in the hidden layer",
        "000 · 같은 신경망, 은닉층만 ReLU로",
    ),
    "preset.t000_relu_mse.note": (
        "Tutorial 000's network with one change, sigmoid to ReLU in the hidden layer: "
        "compare the diagnostics (gradients, saturated and dead units) of the two runs.",
        "튜토리얼 000의 신경망에서 은닉층의 시그모이드를 ReLU로 바꾼 것 하나만 다릅니다. 두 "
        "실행의 진단(기울기, 포화된 유닛과 죽은 유닛)을 비교해 보세요.",
    ),
    # --- code export comments ---
    "code.schedule_step": (
        "The learning rate drops by the decay factor every few epochs (Keras' ExponentialDecay "
        "with staircase=True, applied once per epoch)",
        "학습률이 몇 에포크마다 감소 비율만큼 줄어듭니다 (Keras의 ExponentialDecay, "
        "staircase=True, 에포크마다 적용)",
    ),
    "code.schedule_cosine": (
        "The learning rate eases down along half a cosine over the epochs (Keras' CosineDecay, "
        "applied once per epoch)",
        "학습률이 에포크에 걸쳐 코사인 반 주기를 따라 줄어듭니다 (Keras의 CosineDecay, "
        "에포크마다 적용)",
    ),
    "code.schedule_plateau": (
        "The learning rate drops when the validation loss stops improving",
        "검증 손실이 나아지지 않으면 학습률을 줄입니다",
    ),
    # --- the diagnostics panel (pages/build/diagnostics.py) ---
    "learn.panel.title": ("Inside the training", "학습 속 들여다보기"),
    "learn.panel.caption": (
        "Measured after every epoch on the same {count} training images. One line per layer.",
        "에포크마다 같은 훈련 이미지 {count}개로 측정합니다. 선 하나가 층 하나입니다.",
    ),
    "learn.panel.waiting": (
        "The diagnostics appear after the first epoch.",
        "진단은 첫 에포크가 끝나면 나타납니다.",
    ),
    "learn.stat.mean": ("Mean output", "출력 평균"),
    "learn.stat.std": ("Spread of outputs", "출력의 퍼짐"),
    "learn.stat.dead": ("Dead units (ReLU)", "죽은 유닛 (ReLU)"),
    "learn.stat.saturated": ("Saturated outputs", "포화된 출력"),
    "learn.stat.grad_norm": ("Gradient size", "기울기 크기"),
    "learn.stat.update_ratio": ("Weight change per epoch", "에포크당 가중치 변화"),
    "learn.stat.lr": ("Learning rate", "학습률"),
    "learn.chart.epoch": ("Epoch", "에포크"),
    "learn.chart.layer": ("Layer", "층"),
    "learn.chart.value": ("Value", "값"),
    "learn.chart.changed": ("changed by you", "직접 바꿈"),
    "learn.reading.none": (
        "No diagnostics were recorded for this run.",
        "이 실행에는 진단 기록이 없습니다.",
    ),
    "learn.reading.vanishing": (
        "{weak}'s gradients are {ratio}× smaller than {strong}'s: the early layer barely learns.",
        "{weak}의 기울기가 {strong}보다 {ratio}배 작습니다. 앞쪽 층이 거의 배우지 못합니다.",
    ),
    "learn.reading.vanishing_saturated": (
        "{weak}'s gradients are {ratio}× smaller than {strong}'s: {share} % of {layer}'s "
        "outputs are saturated, so little gradient gets through.",
        "{weak}의 기울기가 {strong}보다 {ratio}배 작습니다. {layer} 출력의 {share} %가 포화되어 "
        "기울기가 거의 전달되지 않습니다.",
    ),
    "learn.reading.dead": (
        "{share} % of {layer}'s units are dead: they output 0 for every probe image and no "
        "longer learn. A lower learning rate or another activation may help.",
        "{layer} 유닛의 {share} %가 죽었습니다. 모든 측정 이미지에 0을 내보내고 더 이상 배우지 "
        "않습니다. 학습률을 낮추거나 다른 활성화 함수를 써 보세요.",
    ),
    "learn.reading.saturated": (
        "{share} % of {layer}'s outputs are saturated (near the sigmoid's or tanh's limits), "
        "where its slope, and so its gradient, is almost 0.",
        "{layer} 출력의 {share} %가 포화되어 있습니다 (시그모이드나 tanh의 끝 근처). 그곳에서는 "
        "기울기가 거의 0입니다.",
    ),
    "learn.reading.frozen": (
        "{layer}'s weights barely moved in the last epoch: the learning rate may be too low.",
        "{layer}의 가중치가 지난 에포크에 거의 움직이지 않았습니다. 학습률이 너무 낮을 수 "
        "있습니다.",
    ),
    "learn.reading.healthy": (
        "Gradients reach every layer, and no layer is dead or saturated. If the loss still "
        "falls slowly, try more epochs or a larger learning rate (the finder suggests one).",
        "기울기가 모든 층에 전달되고, 죽거나 포화된 층이 없습니다. 그래도 손실이 천천히 줄면 "
        "에포크를 늘리거나 학습률을 키워 보세요 (학습률 찾기가 추천해 줍니다).",
    ),
    "learn.map.title": ("Hidden-layer map", "은닉층 지도"),
    "learn.map.caption": (
        "{count} test images as {layer} sees them, squeezed to 2-D (PCA: {share} % of the "
        "spread shown). Colour: the true class. Hover a point to see its image.",
        "테스트 이미지 {count}개를 {layer}이(가) 보는 대로 2차원으로 줄였습니다 (PCA: 퍼짐의 "
        "{share} %를 보여 줌). 색: 실제 클래스. 점에 마우스를 올리면 이미지가 보입니다.",
    ),
    "learn.map.epoch": ("Map at epoch", "지도의 에포크"),
    "learn.map.class": ("Class", "클래스"),
    "learn.map.training": (
        "Hover images appear when the run has ended (kept light while it trains).",
        "마우스를 올려 보는 이미지는 실행이 끝나면 나타납니다 (학습 중에는 가볍게 유지).",
    ),
    "learn.watch.title": ("Watch these images", "이 이미지들을 지켜보세요"),
    "learn.watch.epoch": ("Predictions at epoch", "예측한 에포크"),
    "learn.tools.title": ("Learning-rate tools", "학습률 도구"),
    "learn.curve.title": ("Planned learning rate", "계획된 학습률"),
    "learn.curve.plateau": (
        "Starts at this rate and drops ×{factor} after {patience} epochs without a better "
        "validation loss: when depends on the run.",
        "이 학습률에서 시작해 검증 손실이 {patience} 에포크 동안 나아지지 않으면 ×{factor}로 "
        "줄어듭니다. 언제 줄지는 실행에 따라 다릅니다.",
    ),
    "learn.finder.button": ("Find a learning rate", "학습률 찾기"),
    "learn.finder.help": (
        "A short test run: the learning rate grows from 0.000001 to 10 over up to 100 batches "
        "while the loss is recorded. The best rates sit where the loss falls fastest.",
        "짧은 시험 학습입니다. 최대 100개 배치 동안 학습률을 0.000001에서 10까지 키우며 손실을 "
        "기록합니다. 좋은 학습률은 손실이 가장 빨리 줄어드는 곳에 있습니다.",
    ),
    "learn.finder.running": ("Testing learning rates…", "학습률을 시험하는 중…"),
    "learn.finder.failed": ("The learning-rate test failed: {error}", "학습률 시험 실패: {error}"),
    "learn.finder.unavailable": (
        "The learning-rate test is not available on this server yet.",
        "이 서버에서는 아직 학습률 시험을 쓸 수 없습니다.",
    ),
    "learn.finder.result": (
        "Suggested learning rate: **{rate}** (the loss fell fastest there; lowest loss at "
        "{minimum}).",
        "추천 학습률: **{rate}** (손실이 가장 빨리 줄어든 곳, 가장 낮은 손실은 {minimum}).",
    ),
    "learn.finder.none": (
        "The loss never fell: try another optimizer or loss, or check the settings.",
        "손실이 줄어들지 않았습니다. 다른 옵티마이저나 손실 함수를 써 보거나 설정을 확인하세요.",
    ),
    "learn.finder.use": ("Use this rate", "이 학습률 쓰기"),
    "learn.finder.loss": ("Loss (smoothed)", "손실 (평활화)"),
    "learn.finder.rate": ("Learning rate (log scale)", "학습률 (로그 눈금)"),
    "learn.finder.suggested": ("suggested", "추천"),
    "learn.augment.title": ("Data augmentation", "데이터 증강"),
    "learn.augment.preview": (
        "Training images as the network might see them (random each time; left: the original).",
        "신경망이 보게 될 수 있는 훈련 이미지 (매번 무작위, 왼쪽: 원본).",
    ),
    "learn.augment.off": (
        "Set a shift, rotation, zoom or noise above 0 to see examples.",
        "이동, 회전, 확대·축소, 잡음 중 하나를 0보다 크게 하면 예시가 보입니다.",
    ),
    # --- glossary (pages/classroom/share.py EXPLAINED_TOPICS) ---
    "explain.lr_schedule.title": ("What is a learning-rate schedule?", "학습률 스케줄이란?"),
    "explain.lr_schedule.text": (
        "Big steps help early, when the weights are far from good ones; small steps help late, "
        "to settle in. A schedule lowers the learning rate as training goes on: in steps, along "
        "a cosine, or when the validation loss stops improving. The **learning-rate finder** "
        "runs a short test with a growing rate and suggests where to start.",
        "가중치가 좋은 값에서 멀리 있는 초반에는 큰 걸음이, 자리를 잡는 후반에는 작은 걸음이 "
        "도움이 됩니다. 스케줄은 학습이 진행될수록 학습률을 낮춥니다. 단계적으로, 코사인을 "
        "따라, 또는 검증 손실이 나아지지 않을 때 줄입니다. **학습률 찾기**는 학습률을 키워 가며 "
        "짧게 시험해 보고 시작할 학습률을 추천합니다.",
    ),
    "explain.augmentation.title": ("What is data augmentation?", "데이터 증강이란?"),
    "explain.augmentation.text": (
        "Small random changes to each training image (a shift, a turn, a zoom, some noise) "
        "make every epoch show slightly different images. The network cannot memorise the exact "
        "pixels, so it learns what stays the same, and overfits less. Test images are not "
        "changed.",
        "훈련 이미지마다 작은 무작위 변화(이동, 회전, 확대·축소, 잡음)를 주면 에포크마다 조금씩 "
        "다른 이미지를 보게 됩니다. 신경망이 픽셀을 그대로 외울 수 없으니 변하지 않는 특징을 "
        "배우고, 과대적합이 줄어듭니다. 테스트 이미지는 바꾸지 않습니다.",
    ),
    "explain.diagnostics.title": (
        "What are gradients, dead and saturated units?",
        "기울기, 죽은 유닛, 포화된 유닛이란?",
    ),
    "explain.diagnostics.text": (
        "The **gradient** of a layer says how much the loss changes when its weights change: "
        "the size of the push each weight gets. If it shrinks layer after layer towards the "
        "input (*vanishing gradients*), the early layers barely learn. A sigmoid or tanh unit "
        "whose output sits near its limits is **saturated**: its slope is almost 0, so almost "
        "no gradient passes. A ReLU unit that outputs 0 for every image is **dead**: it gets "
        "no gradient and stops learning.",
        "층의 **기울기**는 가중치가 바뀔 때 손실이 얼마나 바뀌는지, 즉 각 가중치가 받는 "
        "밀기의 크기입니다. 입력 쪽으로 갈수록 층마다 작아지면(*기울기 소실*) 앞쪽 층은 거의 "
        "배우지 못합니다. 출력이 끝값 근처에 머무는 시그모이드·tanh 유닛은 **포화**되어 "
        "기울기가 거의 0이라 기울기가 거의 전달되지 않습니다. 모든 이미지에 0을 내는 ReLU "
        "유닛은 **죽은** 유닛으로, 기울기를 받지 못해 배우기를 멈춥니다.",
    ),
    "explain.hidden_map.title": (
        "What does the hidden-layer map show?",
        "은닉층 지도는 무엇인가요?",
    ),
    "explain.hidden_map.text": (
        "Each test image becomes a list of numbers in the last hidden layer, one per unit. "
        "PCA finds the two directions in which those lists differ most and draws every image "
        "as a point there. When the network learns, the points of each class gather and the "
        "classes move apart.",
        "테스트 이미지는 마지막 은닉층에서 유닛마다 하나씩, 숫자 목록이 됩니다. PCA는 그 "
        "목록들이 가장 크게 달라지는 두 방향을 찾아 이미지마다 점 하나로 그립니다. 신경망이 "
        "배우면 같은 클래스의 점들이 모이고 클래스끼리는 멀어집니다.",
    ),
}
