"""Text of the home page: what NN Lab is, the data in use, the pages, the tutorials."""

TEXTS = {
    "home.tagline": (
        "Learn neural networks by building them.",
        "신경망을 직접 만들면서 배워 보세요.",
    ),
    "home.intro": (
        "NN Lab lets you build a neural network layer by layer, train it on handwritten digits "
        "or clothing images and watch it learn, epoch by epoch. Then study its mistakes, draw "
        "your own digit for it to read, and look inside at the weights and numbers that make "
        "each decision. No code needed, and every experiment can be exported as runnable Keras "
        "code.",
        "NN Lab에서는 신경망을 층마다 직접 쌓고, 손글씨 숫자나 옷 이미지로 학습시키면서 "
        "에포크마다 배워 가는 모습을 지켜볼 수 있습니다. 그다음 모델이 틀린 문제를 살펴보고, "
        "직접 그린 숫자를 읽혀 보고, 결정을 내리는 가중치와 숫자를 신경망 속에서 들여다보세요. "
        "코드는 필요 없고, 모든 실험은 실행 가능한 Keras 코드로 내보낼 수 있습니다.",
    ),
    "home.pages": ("Where to go", "둘러보기"),
    "home.page.build": (
        "Choose layers, activations, loss and optimizer, or a tutorial preset; train and watch "
        "the curves grow.",
        "층, 활성화 함수, 손실 함수와 옵티마이저를 고르거나 튜토리얼 프리셋을 불러와 학습하고 "
        "곡선이 자라는 모습을 봅니다.",
    ),
    "home.page.evaluate": (
        "Test accuracy, the confusion matrix, per-class figures and the most confident mistakes.",
        "테스트 정확도, 혼동 행렬, 클래스별 지표, 그리고 가장 자신 있게 틀린 문제들.",
    ),
    "home.page.draw": (
        "Draw a digit with the mouse and see what the network reads, with its probabilities.",
        "마우스로 숫자를 그리고 신경망이 무엇으로 읽는지 확률과 함께 봅니다.",
    ),
    "home.page.inside": (
        "Follow one image through the network layer by layer, in plain NumPy, and see the weights.",
        "이미지 하나가 신경망을 층층이 지나가는 과정을 NumPy로 따라가고 가중치를 봅니다.",
    ),
    "home.page.classroom": (
        "For teachers: share an experiment as a link, lock or hide settings, compare the class.",
        "교사용: 실험을 링크로 공유하고, 설정을 고정하거나 숨기고, 반 전체 결과를 비교합니다.",
    ),
    "home.data": ("Data in use", "사용 중인 데이터"),
    "home.data_help": (
        "NN Lab looks for the full data sets on this machine first, then downloads them if it "
        "can; without them it uses a small sample that ships with the app.",
        "NN Lab은 먼저 이 컴퓨터에서 전체 데이터를 찾고, 가능하면 내려받습니다. 둘 다 안 되면 "
        "앱에 포함된 작은 표본을 씁니다.",
    ),
    "home.curriculum": ("The tutorial path", "튜토리얼 순서"),
    "home.curriculum_help": (
        "Five Korean tutorials on MNIST and Fashion-MNIST are the curriculum: every experiment in "
        "them is a one-click preset on Build & Train, with the tutorial's published result beside "
        "yours.",
        "MNIST와 Fashion-MNIST를 다루는 다섯 편의 튜토리얼이 교육과정입니다. 튜토리얼의 모든 "
        "실험은 '만들고 학습하기'에서 프리셋 하나로 실행되고, 튜토리얼에 실린 결과가 내 결과 "
        "옆에 나옵니다.",
    ),
    "home.tutorial.000": (
        "A first network: MNIST 784-15-10 with sigmoid, mean squared error and SGD; its summary, "
        "weights and predictions.",
        "첫 신경망: 시그모이드, 평균 제곱 오차, SGD를 쓴 MNIST 784-15-10 모델과 그 요약, "
        "가중치, 예측.",
    ),
    "home.tutorial.001": (
        "Activation functions (step, sigmoid, ReLU, softmax) and a forward pass by hand in "
        "NumPy, matrix by matrix.",
        "활성화 함수(계단, 시그모이드, ReLU, 소프트맥스)와 NumPy로 직접 계산하는 순전파, "
        "행렬 곱 하나하나.",
    ),
    "home.tutorial.002": (
        "A 1,000-unit ReLU network with Adam on MNIST and Fashion-MNIST; loss curves and the "
        "misclassified images.",
        "Adam으로 학습하는 1,000개 유닛의 ReLU 신경망을 MNIST와 Fashion-MNIST에; 손실 곡선과 "
        "잘못 분류한 이미지.",
    ),
    "home.tutorial.003": (
        "Deep Learning with Python, chapter 2: a 512-unit network, RMSprop and one-hot labels.",
        "케라스 창시자에게 배우는 딥러닝 2장: 512개 유닛 신경망, RMSprop, 원-핫 레이블.",
    ),
    "home.tutorial.004": (
        "Fashion-MNIST from logistic regression to hidden layers; optimizers compared; dropout, "
        "early stopping and overfitting in the curves.",
        "Fashion-MNIST를 로지스틱 회귀부터 은닉층까지; 옵티마이저 비교; 드롭아웃, 조기 종료, "
        "곡선에 드러나는 과대적합.",
    ),
    "home.tutorial_label": ("Tutorial {number}", "튜토리얼 {number}"),
}
