#include "actorrouter_native.h"

#include <errno.h>
#include <stdlib.h>

#ifdef ARN_HAVE_OPENSSL
#include <openssl/evp.h>

struct arn_aes_gcm {
    EVP_CIPHER_CTX *encrypt;
    EVP_CIPHER_CTX *decrypt;
};

int arn_aes_gcm_available(void)
{
    return 1;
}

int arn_aes_gcm_new(const uint8_t *key, uint32_t key_length, arn_aes_gcm **out)
{
    const EVP_CIPHER *cipher;
    arn_aes_gcm *gcm;
    if (key == NULL || out == NULL) {
        return -EINVAL;
    }
    if (key_length == 16) {
        cipher = EVP_aes_128_gcm();
    } else if (key_length == 32) {
        cipher = EVP_aes_256_gcm();
    } else {
        return -EINVAL;
    }
    gcm = calloc(1, sizeof(*gcm));
    if (gcm == NULL) {
        return -ENOMEM;
    }
    gcm->encrypt = EVP_CIPHER_CTX_new();
    gcm->decrypt = EVP_CIPHER_CTX_new();
    if (gcm->encrypt == NULL || gcm->decrypt == NULL) {
        arn_aes_gcm_free(gcm);
        return -ENOMEM;
    }
    /* The key is expanded here, once; a packet passes only its IV (the default GCM IV length is 12). */
    if (EVP_EncryptInit_ex(gcm->encrypt, cipher, NULL, key, NULL) != 1
        || EVP_DecryptInit_ex(gcm->decrypt, cipher, NULL, key, NULL) != 1) {
        arn_aes_gcm_free(gcm);
        return -EIO;
    }
    *out = gcm;
    return 0;
}

void arn_aes_gcm_free(arn_aes_gcm *gcm)
{
    if (gcm == NULL) {
        return;
    }
    EVP_CIPHER_CTX_free(gcm->encrypt);
    EVP_CIPHER_CTX_free(gcm->decrypt);
    free(gcm);
}

int arn_aes_gcm_encrypt(arn_aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad,
                        uint32_t aad_length, uint8_t *text, uint32_t length, uint8_t tag[16])
{
    EVP_CIPHER_CTX *ctx = gcm->encrypt;
    int written;
    if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1
        || (aad_length > 0 && EVP_EncryptUpdate(ctx, NULL, &written, aad, (int)aad_length) != 1)
        || (length > 0 && EVP_EncryptUpdate(ctx, text, &written, text, (int)length) != 1)
        || EVP_EncryptFinal_ex(ctx, text + length, &written) != 1
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1) {
        return -EIO;
    }
    return 0;
}

int arn_aes_gcm_decrypt(arn_aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad,
                        uint32_t aad_length, uint8_t *text, uint32_t length, const uint8_t tag[16])
{
    EVP_CIPHER_CTX *ctx = gcm->decrypt;
    int written;
    /* EVP_CTRL_GCM_SET_TAG only reads the tag; its parameter is not const in OpenSSL's API. */
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) != 1
        || (aad_length > 0 && EVP_DecryptUpdate(ctx, NULL, &written, aad, (int)aad_length) != 1)
        || (length > 0 && EVP_DecryptUpdate(ctx, text, &written, text, (int)length) != 1)
        || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, (void *)(uintptr_t)tag) != 1) {
        return -EIO;
    }
    /* The final is where GCM compares the tag; its only failure after the calls above is a mismatch. */
    return EVP_DecryptFinal_ex(ctx, text + length, &written) == 1 ? 0 : -1;
}

#else

int arn_aes_gcm_available(void)
{
    return 0;
}

int arn_aes_gcm_new(const uint8_t *key, uint32_t key_length, arn_aes_gcm **out)
{
    (void)key;
    (void)key_length;
    if (out != NULL) {
        *out = NULL;
    }
    return -ENOTSUP;
}

void arn_aes_gcm_free(arn_aes_gcm *gcm)
{
    (void)gcm;
}

int arn_aes_gcm_encrypt(arn_aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad,
                        uint32_t aad_length, uint8_t *text, uint32_t length, uint8_t tag[16])
{
    (void)gcm; (void)nonce; (void)aad; (void)aad_length; (void)text; (void)length; (void)tag;
    return -ENOTSUP;
}

int arn_aes_gcm_decrypt(arn_aes_gcm *gcm, const uint8_t nonce[12], const uint8_t *aad,
                        uint32_t aad_length, uint8_t *text, uint32_t length, const uint8_t tag[16])
{
    (void)gcm; (void)nonce; (void)aad; (void)aad_length; (void)text; (void)length; (void)tag;
    return -ENOTSUP;
}

#endif
