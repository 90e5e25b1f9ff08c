import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ProductResponseDto } from './product-response.dto';

/*
 * Swagger shapes of what the products routes send: the envelope the global interceptor and
 * filter wrap around every response (src/http/envelope.ts, src/http/exception.filter.ts).
 * Documentation only; named after products so they cannot clash with other modules' schemas.
 */

export class ProductsPaginationDto {
  @ApiProperty({ example: 1 }) page!: number;
  @ApiProperty({ example: 20 }) limit!: number;
  @ApiProperty({ example: 42 }) total!: number;
  @ApiProperty({ example: 3 }) totalPages!: number;
}

export class ProductEnvelopeDto {
  @ApiProperty({ example: true }) success!: true;
  @ApiProperty({ type: ProductResponseDto }) data!: ProductResponseDto;
  @ApiProperty({ example: 'OK' }) message!: string;
}

export class ProductPageEnvelopeDto {
  @ApiProperty({ example: true }) success!: true;
  @ApiProperty({ type: [ProductResponseDto] }) data!: ProductResponseDto[];
  @ApiProperty({ type: ProductsPaginationDto }) pagination!: ProductsPaginationDto;
  @ApiProperty({ example: 'OK' }) message!: string;
}

export class ProductDeletedEnvelopeDto {
  @ApiProperty({ example: true }) success!: true;
  @ApiProperty({ type: Object, nullable: true, example: null, description: 'Always null' })
  data!: null;
  @ApiProperty({ example: 'Product deleted' }) message!: string;
}

export class ProductsFieldErrorDto {
  @ApiProperty({ example: 'price' }) field!: string;
  @ApiProperty({
    example: [
      'price must be a decimal string with at most 10 digits before the point and 2 after, such as "19.99"',
    ],
  })
  messages!: string[];
}

export class ProductsErrorDto {
  @ApiProperty({ example: false }) success!: false;
  @ApiProperty({
    example: 'VALIDATION_ERROR',
    description: 'Stable error code (src/http/error-codes.ts)',
  })
  error!: string;
  @ApiProperty({ example: 'Validation failed' }) message!: string;
  @ApiProperty({ example: 400 }) statusCode!: number;
  @ApiProperty({ example: '0f9c2b1e-5d1a-4a57-9d3e-2f8f1a6c7b90' }) requestId!: string;
  @ApiPropertyOptional({
    type: [ProductsFieldErrorDto],
    description: 'One entry per invalid field (VALIDATION_ERROR)',
  })
  details?: ProductsFieldErrorDto[];
}
