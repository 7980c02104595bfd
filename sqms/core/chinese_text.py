"""Words of Chinese (and mixed Chinese/English) service texts, for search and text models.

jieba segments Chinese into words; its dictionary does not know the trade's terms, so the
words customers and agents use about telecom services are added (otherwise "携号转网" would
come out as 携号 / 转网 and never match itself). Loading the dictionary takes about a second,
so one tokenizer is built per process, on first use.
"""

import logging
import re
import threading
from functools import lru_cache

import jieba

# Terms of the trade, kept whole by the segmenter.
TRADE_TERMS = (
    "宽带",
    "断网",
    "掉线",
    "无法上网",
    "网速慢",
    "光猫",
    "路由器",
    "机顶盒",
    "IPTV",
    "光纤",
    "携号转网",
    "套餐",
    "套餐变更",
    "资费",
    "话费",
    "话费争议",
    "扣费",
    "乱扣费",
    "欠费",
    "停机",
    "复机",
    "销户",
    "过户",
    "补卡",
    "换卡",
    "实名制",
    "实名认证",
    "流量",
    "流量包",
    "超额流量",
    "国际漫游",
    "漫游",
    "彩铃",
    "增值业务",
    "营业厅",
    "营业员",
    "排队",
    "叫号机",
    "自助终端",
    "信号弱",
    "没信号",
    "基站",
    "5G",
    "4G",
    "积分",
    "发票",
    "充值",
    "缴费",
    "退费",
    "预约",
    "上门",
    "装机",
    "移机",
    "拆机",
    "工单",
    "投诉",
    "态度差",
    "服务态度",
    "办理超时",
    "宽带提速",
    "副卡",
    "亲情号",
    "合约机",
    "靓号",
    "客服热线",
)

# Words that say nothing about the matter (particles, pronouns, fillers).
_STOP_TEXT = (
    "的 了 是 我 你 他 她 它 我们 你们 他们 在 有 和 与 及 或 就 都 也 还 又 很 太 吧 吗 呢 啊 呀 "
    "哦 嗯 这 那 这个 那个 一个 什么 怎么 为什么 没有 不 没 要 想 能 会 被 把 给 让 对 从 到 "
    "请 请问 您好 你好 谢谢 一下 已经 现在 今天 昨天 还是 但是 因为 所以 如果 而且 可以 "
    "a an the to of and or is are was in on for with my your"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())

_WORD = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    with _lock:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for term in TRADE_TERMS:
            tokenizer.add_word(term, freq=20000)
        return tokenizer


def words(text: str) -> list[str]:
    """The meaningful words of `text`, lower-cased, in order (repeats kept)."""
    found = []
    for token in _tokenizer().cut(text or ""):
        token = token.strip().lower()
        if token and _WORD.search(token) and token not in STOP_WORDS:
            found.append(token)
    return found


def search_words(text: str) -> list[str]:
    """Words for a search index: besides the whole words, the shorter words inside long ones
    (jieba's search mode), so "宽带无法上网" is found by "上网" too."""
    found = []
    for token in _tokenizer().cut_for_search(text or ""):
        token = token.strip().lower()
        if token and _WORD.search(token) and token not in STOP_WORDS:
            found.append(token)
    return found
