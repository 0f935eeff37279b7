"""Titles and notes of the tutorial presets (nnlab.core.presets keeps English ones for scripts)."""

TEXTS = {
    "preset.t000_sigmoid_mse.title": (
        "000 · MNIST 784-15-10, sigmoid + MSE + SGD(0.2)",
        "000 · MNIST 784-15-10, 시그모이드 + MSE + SGD(0.2)",
    ),
    "preset.t000_sigmoid_mse.note": (
        "10 epochs, batch 100, test set as validation; 11,935 parameters; 7.24 s wall.",
        "에포크 10번, 배치 100, 테스트 세트로 검증. 파라미터 11,935개, 실제 걸린 시간 7.24초.",
    ),
    "preset.t002_mnist_relu1000.title": (
        "002 · MNIST 784-1000-10, ReLU + Adam",
        "002 · MNIST 784-1000-10, ReLU와 Adam",
    ),
    "preset.t002_mnist_relu1000.note": (
        "196 of 10,000 test images wrong; 795,010 parameters.",
        "테스트 이미지 10,000장 중 196장을 틀림. 파라미터 795,010개.",
    ),
    "preset.t002_fashion_relu1000.title": (
        "002 · Fashion-MNIST 784-1000-10, ReLU + Adam",
        "002 · Fashion-MNIST 784-1000-10, ReLU와 Adam",
    ),
    "preset.t002_fashion_relu1000.note": (
        "1,179 of 10,000 test images wrong; 795,010 parameters.",
        "테스트 이미지 10,000장 중 1,179장을 틀림. 파라미터 795,010개.",
    ),
    "preset.t003_mnist_relu512_rmsprop.title": (
        "003 · MNIST 784-512-10, ReLU + RMSprop, one-hot labels",
        "003 · MNIST 784-512-10, ReLU + RMSprop, 원-핫 레이블",
    ),
    "preset.t003_mnist_relu512_rmsprop.note": (
        "Deep Learning with Python, chapter 2: 5 epochs, batch 128.",
        "케라스 창시자에게 배우는 딥러닝 2장: 에포크 5번, 배치 128.",
    ),
    "preset.t004_logistic.title": (
        "004 · Fashion-MNIST logistic regression: Dense(10) alone",
        "004 · Fashion-MNIST 로지스틱 회귀: Dense(10) 하나만",
    ),
    "preset.t004_logistic.note": (
        "Default RMSprop, batch 32, 5 epochs, 20 % validation split. "
        "scikit-learn's SGDClassifier baseline: 0.8196.",
        "기본 RMSprop, 배치 32, 에포크 5번, 훈련 데이터의 20 %를 검증용으로 분리. "
        "scikit-learn SGDClassifier 기준 성능: 0.8196.",
    ),
    "preset.t004_sigmoid100.title": (
        "004 · Fashion-MNIST 784-100-10, sigmoid hidden layer",
        "004 · Fashion-MNIST 784-100-10, 시그모이드 은닉층",
    ),
    "preset.t004_sigmoid100.note": (
        "Training accuracy after 5 epochs (RMSprop, batch 32).",
        "에포크 5번 뒤의 훈련 정확도 (RMSprop, 배치 32).",
    ),
    "preset.t004_relu100.title": (
        "004 · Fashion-MNIST 784-100-10, ReLU hidden layer",
        "004 · Fashion-MNIST 784-100-10, ReLU 은닉층",
    ),
    "preset.t004_relu100.note": (
        "Training accuracy after 5 epochs (RMSprop, batch 32): ReLU beats sigmoid.",
        "에포크 5번 뒤의 훈련 정확도 (RMSprop, 배치 32): ReLU가 시그모이드보다 낫습니다.",
    ),
    "preset.t004_sgd_nesterov.title": (
        "004 · Optimizers: SGD with momentum 0.9 + Nesterov",
        "004 · 옵티마이저: 모멘텀 0.9 + 네스테로프를 쓴 SGD",
    ),
    "preset.t004_sgd_nesterov.note": (
        "The tutorial shows the optimizer without a published score; compare it with the "
        "Adagrad, RMSprop and Adam presets on the same network.",
        "튜토리얼은 이 옵티마이저를 소개만 하고 점수는 싣지 않았습니다. 같은 신경망의 "
        "Adagrad, RMSprop, Adam 프리셋과 비교해 보세요.",
    ),
    "preset.t004_adagrad.title": ("004 · Optimizers: Adagrad", "004 · 옵티마이저: Adagrad"),
    "preset.t004_adagrad.note": (
        "No published score; Adagrad's steps shrink over time, so it learns slowly here.",
        "공개된 점수가 없습니다. Adagrad는 걸음이 갈수록 작아져서 여기서는 느리게 배웁니다.",
    ),
    "preset.t004_adam_curves.title": (
        "004 · Loss curves over 20 epochs with Adam (overfitting shows)",
        "004 · Adam으로 20 에포크 동안의 손실 곡선 (과대적합이 보임)",
    ),
    "preset.t004_adam_curves.note": (
        "The tutorial plots train vs validation loss: validation loss turns up after a few "
        "epochs while training loss keeps falling.",
        "튜토리얼은 훈련 손실과 검증 손실을 함께 그립니다. 훈련 손실은 계속 줄지만, 검증 "
        "손실은 몇 에포크 뒤부터 다시 오릅니다.",
    ),
    "preset.t004_dropout_early_stopping.title": (
        "004 · Dropout 0.3 + early stopping (patience 2)",
        "004 · 드롭아웃 0.3 + 조기 종료 (참을성 2)",
    ),
    "preset.t004_dropout_early_stopping.note": (
        "Dropout narrows the gap between the curves; early stopping ends the run when "
        "validation loss stops improving and keeps the best epoch's weights.",
        "드롭아웃은 두 곡선 사이의 간격을 좁힙니다. 조기 종료는 검증 손실이 더 나아지지 "
        "않으면 학습을 끝내고, 가장 좋았던 에포크의 가중치를 남깁니다.",
    ),
    "preset.cnn_mnist.title": (
        "Beyond: MNIST convnet (Keras example), about 99 %",
        "더 나아가기: MNIST 합성곱 신경망 (케라스 예제), 약 99 %",
    ),
    "preset.cnn_mnist.note": (
        "keras-io examples/vision/mnist_convnet.py: 34,826 parameters, about 99 % test "
        "accuracy after 15 epochs.",
        "keras-io examples/vision/mnist_convnet.py: 파라미터 34,826개, 에포크 15번 뒤 테스트 "
        "정확도 약 99 %.",
    ),
}
